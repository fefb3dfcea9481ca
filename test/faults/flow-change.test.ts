import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTwiml } from '../../src/simulator/twiml-reader';
import { startLine, type TestLine } from '../helpers/line';

/**
 * A flow file changed while calls are in progress, during a rolling deploy: instances on the old and the new
 * version answer the same calls. Calls finish, or are led back to the main menu politely, once; none crashes.
 */
const sid = `CA${'c'.repeat(32)}`;
const params = (extra: Record<string, string> = {}) => ({ CallSid: sid, ...extra });

function flowsWith(edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'flows-'));
  writeFileSync(join(dir, 'portal-login.yaml'), edit(readFileSync('call-flows/portal-login.yaml', 'utf8')));
  return dir;
}

let old: TestLine;
let renewed: TestLine;
beforeEach(async () => {
  old = await startLine('redis');
  // The new version rewords the changed-device question and swaps its answers.
  const dir = flowsWith((t) =>
    t
      .replace('say: "Have you changed your mobile device?"', 'say: "Is this a new phone?"')
      .replace(
        '    yes: mfa-reset-new-device\n    no: mfa-someone-elses-credentials',
        '    yes: mfa-someone-elses-credentials\n    no: mfa-reset-new-device',
      ),
  );
  renewed = await startLine('redis', { FLOWS_DIR: dir }, old);
});
afterEach(async () => {
  await old.close();
});

const sayOf = (text: string) => {
  const first = readTwiml(text)[0]!;
  return first.verb === 'Gather' ? first.says.join(' ') : first.verb === 'Say' ? first.text : '';
};

test('a call on an unchanged question carries on across versions', async () => {
  await old.post('/voice', params()).expect(200);
  const next = await renewed.post('/voice/input?t=1', params({ Digits: '3' })).expect(200);
  expect(sayOf(next.text)).toContain('Have you uninstalled the authenticator app?');
  const after = await old.post('/voice/input?t=2', params({ Digits: '1' })).expect(200);
  expect(sayOf(after.text)).toContain('Reinstall the app');
});

test('a call on a changed question is led back to the main menu once, then goes on whichever instance answers', async () => {
  await old.post('/voice', params()).expect(200);
  await old.post('/voice/input?t=1', params({ Digits: '3' })).expect(200);
  await old.post('/voice/input?t=2', params({ Digits: '2' })).expect(200); // now at the old changed-device question
  // The caller presses 1 ("yes, changed device") on the old wording; the new instance must not read it as "new phone: yes".
  const led = await renewed.post('/voice/input?t=3', params({ Digits: '1' })).expect(200);
  expect(sayOf(led.text)).toMatch(/^This phone menu was just updated, so let's start again from the main menu\. Which login problem\?/);
  // Back and forth between versions from here on: no second "menu was updated", the call goes on.
  const t = Number(/t=(\d+)/.exec(led.text)![1]);
  const a = await old.post(`/voice/input?t=${t}`, params({ Digits: '2' })).expect(200);
  expect(sayOf(a.text)).toContain('reset it yourself');
  const b = await renewed.post(`/voice/input?t=${t + 1}`, params({ Digits: '1' })).expect(200);
  expect(readTwiml(b.text).map((v) => v.verb)).toEqual(['Say', 'Hangup']);
  expect(old.logs.concat(renewed.logs).join('')).not.toMatch(/fault-rescued|"level":50/);
});
