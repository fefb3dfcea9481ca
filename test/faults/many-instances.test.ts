import { fetchTransport, formatTranscript, parseSteps, placeCall, scripted, simulatedCallSid } from '../../src/simulator/caller';
import { AUTH_TOKEN, startLineProcess, type LineProcess } from '../helpers/processes';
import { startRedis, type RedisProcess } from '../helpers/redis-server';
import { asDocumented, documentedCall, documentedCallFiles, TRANSCRIPT_WIDTH } from '../helpers/transcripts';

/**
 * Two line processes share one Redis behind one public URL; each call's webhooks alternate between them. Every
 * documented call gives the same transcript as one process gives (docs/transcripts).
 */
jest.setTimeout(90_000);
const PUBLIC = 'https://line.example.test';

let redis: RedisProcess;
let lines: LineProcess[];
beforeAll(async () => {
  redis = await startRedis();
  lines = await Promise.all([0, 1].map(() => startLineProcess({ REDIS_URL: redis.url, PUBLIC_BASE_URL: PUBLIC })));
});
afterAll(async () => {
  for (const line of lines ?? []) await line.stop();
  await redis?.stop();
});

// A call with --closed needs the line's clock set on a Friday evening, which only a line in the test's process has.
const inProcessOnly = (file: string) => / --closed\b/.test(documentedCall(file).command);
test.each(documentedCallFiles().filter((f) => !inProcessOnly(f)))('%s, alternating between two processes', async (file) => {
  const { keys, body } = documentedCall(file);
  // A CallSid of its own (an ended call stays ended); the transcript is read with the documented call's reference.
  const sid = simulatedCallSid(`portal-line-demo-${file}`);
  let next = 0;
  const served: number[] = [];
  const transport = fetchTransport((url) => {
    const which = next++ % lines.length;
    served.push(which);
    return url.replace(PUBLIC, `http://127.0.0.1:${lines[which]!.port}`);
  });
  const result = await placeCall({
    baseUrl: PUBLIC,
    authToken: AUTH_TOKEN,
    transport,
    next: scripted(parseSteps(keys)),
    callSid: sid,
  });
  expect(result.errors).toEqual([]);
  expect(asDocumented(formatTranscript(result.transcript, TRANSCRIPT_WIDTH), sid)).toBe(body);
  expect(new Set(served)).toEqual(new Set([0, 1]));
});
