import { spawnSync } from 'node:child_process';
import request from 'supertest';
import { startLine } from '../helpers/line';

/** `promtool check metrics` on `text`: its exit status and what it said. */
function promtoolCheck(text: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (run.error !== undefined) {
    throw new Error(`promtool is needed for this test and could not be run (${run.error.message}): apt-get install -y prometheus`);
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

test('/metrics after some webhooks passes promtool check metrics, routes labelled with the URLs Twilio calls', async () => {
  const line = await startLine('memory');
  try {
    await line.call('3,2,2,1,1');
    await line.post('/voice/rescue/dial', { CallSid: `CA${'d'.repeat(32)}`, DialCallStatus: 'busy' }).expect(200);
    const res = await request(line.line.metrics).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const check = promtoolCheck(res.text);
    expect(check).toEqual({ status: 0, output: '' });
    // Each family's samples under its own HELP and TYPE.
    let family = '';
    for (const textLine of res.text.split('\n').filter((l) => l !== '')) {
      const type = /^# TYPE (\S+) /.exec(textLine);
      if (type !== null) family = type[1]!;
      else if (!textLine.startsWith('#'))
        expect({ sample: textLine, family }).toEqual({
          sample: expect.stringMatching(new RegExp(`^${family}(_bucket|_sum|_count)?[{ ]`)),
          family,
        });
    }
    const routes = [...res.text.matchAll(/portal_line_webhooks_total\{route="([^"]+)"/g)].map((m) => m[1]);
    // The fallback URL's series is there at zero from the start (its alert counts the first use).
    expect(new Set(routes)).toEqual(new Set(['/voice', '/voice/input', '/voice/status', '/voice/rescue/dial', '/voice/fallback']));
    expect(res.text).toMatch(/^portal_line_webhooks_total\{route="\/voice\/fallback",outcome="fallback-rescued"\} 0$/m);
    expect(res.text).toMatch(/^portal_line_webhook_duration_seconds_count 8$/m);
  } finally {
    await line.close();
  }
});
