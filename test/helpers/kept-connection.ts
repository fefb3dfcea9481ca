import { connect } from 'node:net';

/** A raw keep-alive connection: `send` writes one request and resolves with its answer's status and headers. */
export function keptConnection(port: number) {
  const socket = connect(port, '127.0.0.1');
  let closedAt: number | null = null;
  let received = '';
  socket.on('data', (d) => (received += String(d)));
  socket.on('close', () => (closedAt = Date.now()));
  socket.on('error', () => undefined);
  return {
    closedAt: () => closedAt,
    send: async (request: string): Promise<{ status: number; connection: string | undefined }> => {
      received = '';
      socket.write(request);
      const deadline = Date.now() + 5_000;
      for (;;) {
        const head = received.indexOf('\r\n\r\n');
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(received)?.[1] ?? -1);
        if (head !== -1 && length >= 0 && Buffer.byteLength(received) >= head + 4 + length) break;
        if (Date.now() > deadline) throw new Error(`no whole answer within 5 s: ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return {
        status: Number(/^HTTP\/1\.1 (\d+)/.exec(received)?.[1] ?? 0),
        connection: /\r\nconnection: ([^\r]+)/i.exec(received)?.[1]?.toLowerCase(),
      };
    },
    end: () => socket.destroy(),
  };
}

/** A health check on a kept-alive connection. */
export const getHealth = 'GET /healthz HTTP/1.1\r\nHost: line\r\nConnection: keep-alive\r\n\r\n';
