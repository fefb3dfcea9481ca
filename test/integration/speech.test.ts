import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTwiml, type Verb } from '../../src/simulator/twiml-reader';
import { isEnded } from '../../src/store/session-store';
import { startLine, type StoreKind, type TestLine } from '../helpers/line';
import { CLOSED_DESK, TEXTS_ON } from '../../src/simulator/demo-settings';

/**
 * Spoken answers as Twilio posts them: SpeechResult and Confidence, no Digits, on signed webhooks, at every kind of
 * prompt: a clear match, a low-confidence answer confirmed and refused, an ambiguous one, an unknown one, speech
 * turned off, and a retried webhook.
 */

let n = 0;
const newCall = () => `CA${(++n).toString(16).padStart(32, 'e')}`;
const params = (callSid: string, extra: Record<string, string> = {}) => ({
  CallSid: callSid,
  From: '+16045551234',
  To: '+18005550100',
  ...extra,
});
const speech = (text: string, confidence = 0.93) => ({ SpeechResult: text, Confidence: String(confidence) });

type Gather = Extract<Verb, { verb: 'Gather' }>;

/** A call driven one webhook at a time, following the `t` of each answer's action URL. */
class Caller {
  readonly sid = newCall();
  t = 0;
  xml = '';
  constructor(private readonly line: TestLine) {}

  private async read(path: string, extra: Record<string, string>): Promise<this> {
    const res = await this.line.post(path, params(this.sid, extra));
    expect(res.status).toBe(200);
    this.xml = res.text;
    const action = this.gather?.action ?? readTwiml(this.xml).find((v) => v.verb === 'Dial')?.action;
    if (action !== undefined) this.t = Number(new URL(action).searchParams.get('t') ?? this.t);
    return this;
  }

  start() {
    return this.read('/voice', {});
  }
  say(text: string, confidence?: number, t = this.t) {
    return this.read(`/voice/input?t=${t}`, speech(text, confidence));
  }
  press(key: string) {
    return this.read(`/voice/input?t=${this.t}`, { Digits: key });
  }
  dial(status: string) {
    return this.read(`/voice/dial?t=${this.t}`, { DialCallStatus: status });
  }
  get gather(): Gather | undefined {
    return readTwiml(this.xml).find((v): v is Gather => v.verb === 'Gather');
  }
  get heard(): string {
    return readTwiml(this.xml)
      .flatMap((v) => (v.verb === 'Say' ? [v.text] : v.verb === 'Gather' ? v.says : []))
      .join(' ');
  }
  async history(): Promise<string[]> {
    const found = await this.line.store.load(this.sid);
    if (found === null || isEnded(found)) throw new Error('no live call');
    return found.record.call.context.history;
  }
}

describe.each<StoreKind>(['memory', 'redis'])('spoken answers on the %s store', (kind) => {
  let line: TestLine;
  beforeAll(async () => {
    line = await startLine(kind);
  });
  afterAll(async () => {
    await line.close();
  });

  test('every question listens for a key or speech: dtmf speech, the choices as hints, the language, a model for short commands, whole seconds to end speech, barge-in kept', async () => {
    const call = await new Caller(line).start();
    expect(call.xml).toMatch(
      /<Gather input="dtmf speech" numDigits="1" finishOnKey="" timeout="7" action="[^"]+" method="POST" actionOnEmptyResult="true" hints="[^"]+" language="en-US" speechModel="numbers_and_commands" speechTimeout="2"><Say /,
    );
    expect(call.xml).not.toContain('bargeIn');
    const hints = call.gather!.hints!;
    for (const word of [
      'username',
      'password',
      'passcode',
      'authentication',
      'black screen',
      'freezing',
      'agent',
      'representative',
      'desk',
      'operator',
      'repeat',
      'main menu',
    ])
      expect(hints).toContain(word);
    // Said once a call, in the greeting.
    expect(call.heard).toMatch(/^Customer Portal login help\. Press or say your answer anytime\./);
    await call.say('password');
    expect(call.heard).not.toContain('say your answer');
    expect(call.gather!.hints).toEqual(expect.arrayContaining(['that solved it', 'again', 'agent', 'main menu']));
    expect(call.gather!.hints).not.toContain('next'); // the password steps have no next step
  });

  test('a clear match at the menu, after filler words and punctuation, is acted on and recorded with its mode and confidence', async () => {
    const call = await new Caller(line).start();
    await call.say('Um, I want to reset the password, please.', 0.87);
    expect(call.heard).toContain("If you've forgotten or mistyped your password");
    expect(await call.history()).toEqual(['Problem: password (said password, confidence 0.87)']);
    await call.say('That solved it!');
    expect(call.heard).toContain("I'm glad that helped");
  });

  test('a clear match at a question (yes, no, not sure), at steps (again, next) and everywhere (agent, repeat, main menu)', async () => {
    const call = await new Caller(line).start();
    await call.say('username');
    await call.say("I don't know");
    expect(call.heard).toContain('The Business Support Desk can verify your account');
    expect(await call.history()).toEqual([
      'Problem: username (said username, confidence 0.93)',
      'Entered the email address used at set-up: not sure (said not sure, confidence 0.93)',
    ]);

    const steps = await new Caller(line).start();
    await steps.say('black screen');
    await steps.say('next');
    expect(steps.heard).toContain('Wait a few minutes, then refresh your browser.');
    await steps.say('again');
    expect(steps.heard).toContain('Wait a few minutes, then refresh your browser.');
    await steps.say('repeat');
    expect(steps.heard).toContain('Wait a few minutes, then refresh your browser.');
    await steps.say('main menu');
    expect(steps.heard).toMatch(/^Which login problem\?/);
    await steps.say('operator');
    expect(steps.heard).toContain("I'll connect you to the Business Support Desk.");
  });

  test('"the desk did not answer": try again and end the call by voice; the last words repeat by voice', async () => {
    const call = await new Caller(line).start();
    await call.say('agent');
    await call.dial('busy');
    expect(call.gather!.hints).toEqual(expect.arrayContaining(['try again', 'end the call']));
    await call.say('try again');
    expect(readTwiml(call.xml).some((v) => v.verb === 'Dial')).toBe(true);
    await call.dial('no-answer');
    await call.say('end the call');
    expect(call.heard).toContain('Please call the Business Support Desk at');
    await call.say('repeat');
    expect(call.heard).toContain('Please call the Business Support Desk at');
    await call.say('the parking lot is full again');
    expect(call.heard).toBe('Thank you for calling. Goodbye.');
  });

  test('a low-confidence answer is confirmed: "yes" acts on it, and the history says it was confirmed', async () => {
    const call = await new Caller(line).start();
    await call.say('password', 0.31);
    expect(call.heard).toBe('Did you say password? Say yes, or press 1.');
    expect(call.gather!.hints).toEqual(expect.arrayContaining(['yes', 'no']));
    await call.say('yes', 0.4);
    expect(call.heard).toContain("If you've forgotten or mistyped your password");
    expect(await call.history()).toEqual(['Problem: password (said password, confidence 0.31, confirmed)']);
  });

  test('a low-confidence answer confirmed with key 1', async () => {
    const call = await new Caller(line).start();
    await call.say('username');
    await call.say('yeah', 0.2);
    expect(call.heard).toBe('Did you say yes? Say yes, or press 1.');
    await call.press('1');
    expect(call.heard).toContain('The Business Support Desk will log a ticket for you.');
  });

  test('a low-confidence answer refused, by "no" or by key 2, goes back to the question without counting a failure', async () => {
    const call = await new Caller(line).start();
    await call.say('password', 0.3);
    await call.say('no');
    expect(call.heard).toMatch(/^Which login problem\? Username, press 1\./);
    expect(call.heard).not.toContain('Sorry');
    await call.say('passcode', 0.3);
    expect(call.heard).toBe('Did you say authentication? Say yes, or press 1.');
    await call.press('2');
    expect(call.heard).toMatch(/^Which login problem\?/);
    await call.say('banana');
    await call.say('banana');
    // Two failures so far: the refusals did not count.
    expect(call.heard).toMatch(/^Sorry, I didn't catch that\. Which login problem\?/);
    expect(await call.history()).toEqual([]);
  });

  test('an answer naming two options is confirmed, asking about the first; no goes back to the question', async () => {
    const call = await new Caller(line).start();
    await call.say('username or password', 0.99);
    expect(call.heard).toBe('Did you say username? Say yes, or press 1.');
    await call.say('no');
    expect(call.heard).toMatch(/^Which login problem\?/);
    // Words of one option, said in a way no example is close to: asked about first, never another option.
    await call.say('the black screen is freezing', 0.99);
    expect(call.heard).toBe('Did you say black screen? Say yes, or press 1.');
    await call.say('yes');
    expect(call.heard).toContain('Restart your computer');
  });

  test('an answer that names nothing is a wrong answer: a reprompt, and after three the desk', async () => {
    const call = await new Caller(line).start();
    await call.say('username');
    await call.say('banana bread');
    expect(call.heard).toBe(
      "Sorry, I didn't catch that. Did you enter that email address? If yes, press 1. If no, press 2. If you're not sure, press 3. At any time, press 0 for the desk, star to repeat, 9 for the main menu.",
    );
    await call.press('7');
    expect(call.heard).toMatch(/^Sorry, that key isn't a choice\./);
    await call.say('purple');
    expect(call.heard).toContain("The keys aren't working, so I'll connect you to the Business Support Desk.");
  });

  test('a retried webhook (the same t) gets the same answer and does not step the call again, at a confirmation and after it', async () => {
    const call = await new Caller(line).start();
    await call.say('password', 0.3, 1);
    const confirmation = call.xml;
    await call.say('password', 0.3, 1);
    expect(call.xml).toBe(confirmation);
    expect(line.logs.some((l) => l.includes(call.sid) && /"outcome":"(conflict-)?replayed"/.test(l))).toBe(true);
    await call.say('yes', 0.9, 2);
    const steps = call.xml;
    await call.say('yes', 0.9, 2);
    expect(call.xml).toBe(steps);
    expect(await call.history()).toEqual(['Problem: password (said password, confidence 0.30, confirmed)']);
  });

  test('a spoken answer logs its mode, the option matched, the confidence and what came of it', async () => {
    const call = await new Caller(line).start();
    await call.say('password', 0.4);
    await call.say('yes', 0.95);
    const turns = line.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.callSid === call.sid && l.event === 'speech');
    expect(turns.map((t) => [t.input, t.option, t.confidence, t.match])).toEqual([
      ['speech', 'password', 0.4, 'confirm'],
      ['speech', 'password', 0.95, 'confirmed'],
    ]);
  });

  test('Confidence that is not a number from 0 to 1 is refused with the reason', async () => {
    const call = await new Caller(line).start();
    const res = await line.post(`/voice/input?t=1`, params(call.sid, { SpeechResult: 'password', Confidence: '1.7' }));
    expect(res.status).toBe(400);
    expect(res.text).toContain('Confidence must be a number from 0 to 1');
  });

  test('the rescue path (no call state) asks "try again?" by voice too, and confirms through its URL', async () => {
    const sid = newCall();
    const busy = await line.post('/voice/rescue/dial?d=0', params(sid, { DialCallStatus: 'busy' }));
    const gather = readTwiml(busy.text).find((v): v is Gather => v.verb === 'Gather')!;
    expect(gather.input).toEqual(['dtmf', 'speech']);
    const path = (url: string) => url.replace(/^https:\/\/[^/]+/, '');
    const unsure = await line.post(path(gather.action!), params(sid, speech('end the call', 0.2)));
    const confirm = readTwiml(unsure.text).find((v): v is Gather => v.verb === 'Gather')!;
    expect(confirm.says).toEqual(['Did you say end the call? Say yes, or press 1.']);
    expect(confirm.action).toContain('c=2');
    const yes = await line.post(path(confirm.action!), params(sid, speech('yes')));
    expect(yes.text).toContain('Please call the Business Support Desk at');
    const again = await line.post(path(gather.action!), params(sid, speech('try again')));
    expect(readTwiml(again.text).some((v) => v.verb === 'Dial')).toBe(true);
    const logged = line.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.callSid === sid && l.event === 'speech');
    expect(logged.map((l) => [l.route, l.option, l.match])).toEqual([
      ['/voice/rescue/choice', 'end the call', 'confirm'],
      ['/voice/rescue/choice', 'end the call', 'confirmed'],
      ['/voice/rescue/choice', 'try again', 'matched'],
    ]);
  });
});

test('what the caller said is never logged nor stored: only the option matched, the confidence and the mode', async () => {
  const line = await startLine('redis', { LOG_LEVEL: 'debug' });
  const secret = 'Zebediah Quackenbush';
  try {
    const call = await new Caller(line).start();
    await call.say(`password`, 0.91);
    await call.say(`${secret} again`, 0.3); // "again" at the steps, unsure: a confirmation
    await call.say(secret); // nothing matched at a confirmation: a wrong answer
    await call.say(`yes ${secret}`, 0.2); // at the steps: ambiguous with nothing, unsure, confirmed below
    await call.say('main menu');
    await call.say(`um ${secret}`, 0.99); // nothing matched
    await call.say(`agent for ${secret}`, 0.99);
    const inStore = async () => {
      const keys = await line.redis!.keys(`${line.prefix}:*`);
      const values: string[] = [];
      for (const key of keys) {
        const type = await line.redis!.type(key);
        if (type === 'string') values.push((await line.redis!.get(key)) ?? '');
        else if (type === 'hash') values.push(JSON.stringify(await line.redis!.hgetall(key)));
        else if (type === 'list') values.push(JSON.stringify(await line.redis!.lrange(key, 0, -1)));
        else if (type === 'zset') values.push(JSON.stringify(await line.redis!.zrange(key, 0, -1, 'WITHSCORES')));
        else if (type === 'set') values.push(JSON.stringify(await line.redis!.smembers(key)));
        else values.push(`${key}:${type}`);
      }
      return { keys, values };
    };
    const during = await inStore();
    expect(during.keys.length).toBeGreaterThan(0);
    expect(during.values.join('\n')).toContain('said password');
    await line.post('/voice/status', params(call.sid, { CallStatus: 'completed', CallDuration: '90' }));
    const after = await inStore();
    expect(after.values.join('\n')).toContain('said password');
    for (const word of ['Zebediah', 'Quackenbush', 'patient'])
      for (const text of [...line.logs, ...during.values, ...after.values, ...during.keys]) expect(text).not.toContain(word);
  } finally {
    await line.close();
  }
});

test('with SPEECH_INPUT=off the line listens for keys only, and a spoken answer is a wrong answer', async () => {
  const line = await startLine('memory', { SPEECH_INPUT: 'off' });
  try {
    const call = await new Caller(line).start();
    expect(call.gather!.input).toEqual(['dtmf']);
    expect(call.xml).not.toMatch(/speech|hints/);
    expect(call.heard).toMatch(/^Customer Portal login help\. Press a key at any time\./);
    await call.say('password');
    expect(call.heard).toMatch(/^Sorry, that key isn't a choice\. Which login problem\?/);
  } finally {
    await line.close();
  }
});

test('a flow with speech: { enabled: false } listens for keys only, whatever SPEECH_INPUT says', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flows-'));
  const yaml = readFileSync('call-flows/portal-login.yaml', 'utf8').replace(/^speech:\n {2}enabled: true$/m, 'speech:\n  enabled: false');
  expect(yaml).toContain('enabled: false');
  writeFileSync(join(dir, 'portal-login.yaml'), yaml);
  const line = await startLine('memory', { FLOWS_DIR: dir, SPEECH_INPUT: 'on' });
  const keypad = await startLine('memory', { SPEECH_INPUT: 'off' });
  try {
    const call = await new Caller(line).start();
    const pinned = await new Caller(keypad).start();
    expect(call.xml.replace(call.sid, '')).toBe(pinned.xml.replace(pinned.sid, ''));
    expect(call.gather!.input).toEqual(['dtmf']);
  } finally {
    await line.close();
    await keypad.close();
  }
});

describe.each<StoreKind>(['memory', 'redis'])('a callback and a text message asked for by voice, on the %s store', (kind) => {
  test('a busy desk: "call me back", then "this phone": booked, as with 3 and 1; the words are hints there', async () => {
    const line = await startLine(kind, TEXTS_ON.env);
    try {
      const call = await new Caller(line).start();
      await call.say('agent');
      await call.dial('busy');
      expect(call.gather!.hints).toEqual(expect.arrayContaining(['try again', 'callback', 'call me back', 'text message']));
      await call.say('um, call me back please');
      expect(call.heard).toContain('To be called back on this phone, press 1.');
      expect(call.gather!.hints).toEqual(expect.arrayContaining(['this phone', 'another number']));
      await call.say('this phone');
      expect(call.heard).toContain('The desk will call you back.');
      expect(line.logs.filter((l) => l.includes('callback asked') && l.includes(call.sid))).toHaveLength(1);
    } finally {
      await line.close();
    }
  });

  test('the desk closed: "text message" queues the details; at "is that number right", yes and no are understood', async () => {
    const line = await startLine(kind, { ...CLOSED_DESK.env, ...TEXTS_ON.env }, undefined, { now: () => CLOSED_DESK.now });
    try {
      const call = await new Caller(line).start();
      await call.say('representative');
      expect(call.heard).toContain('For a callback, press 3.');
      await call.say('text message');
      expect(call.heard).toMatch(/text/i);
      expect(call.gather).toBeUndefined();

      const keyed = await new Caller(line).start();
      await keyed.say('representative');
      await keyed.say('callback');
      await keyed.say('another number');
      await keyed.press('6135550123');
      expect(keyed.heard).toContain('The number is 6 1 3, 5 5 5, 0 1 2 3.');
      await keyed.say('no');
      expect(keyed.heard).toContain('Key in or say the 10-digit number');
      await keyed.press('6135550124');
      await keyed.say('yes');
      expect(keyed.heard).toContain('The desk will call you back.');
      expect(line.logs.filter((l) => l.includes('callback asked') && l.includes(keyed.sid))).toHaveLength(1);
    } finally {
      await line.close();
    }
  });
});

describe.each<StoreKind>(['memory', 'redis'])('a callback number said, on the %s store', (kind) => {
  test('said where it is keyed, or straight away: read back digit by digit, confirmed, booked; never in the logs', async () => {
    const line = await startLine(kind, CLOSED_DESK.env, undefined, { now: () => CLOSED_DESK.now });
    try {
      const call = await new Caller(line).start();
      await call.say('representative');
      await call.say('callback');
      await call.say('another number');
      expect(call.heard).toContain('Key in or say the 10-digit number to call, area code first.');
      expect(call.gather).toMatchObject({
        input: ['dtmf', 'speech'],
        numDigits: 10,
        speechModel: 'numbers_and_commands',
        speechTimeout: '3',
      });
      expect(call.gather!.hints).toEqual(expect.arrayContaining(['oh', 'zero', 'five', 'double', 'agent']));
      await call.say('two oh four, five five', 0.8);
      expect(call.heard).toContain("Sorry, I didn't catch that.");
      await call.say('call me at six one three, five fifty-five, oh one double nine', 0.41);
      expect(call.heard).toContain('The number is 6 1 3, 5 5 5, 0 1 9 9.');
      await call.press('1');
      expect(call.heard).toContain('The desk will call you back.');

      // Straight away, at "this phone, or another number", and yes by voice.
      const straight = await new Caller(line).start();
      await straight.say('representative');
      await straight.say('call me back');
      await straight.say("it's 416-555-0123");
      expect(straight.heard).toContain('The number is 4 1 6, 5 5 5, 0 1 2 3.');
      await straight.say('yes');
      expect(straight.heard).toContain('The desk will call you back.');

      // A premium number said is refused as a keyed one is.
      const premium = await new Caller(line).start();
      await premium.say('representative');
      await premium.say('callback');
      await premium.say('nine oh oh, five five five, one two three four');
      expect(premium.heard).toContain("The desk can't call that number back.");
      expect(premium.heard).not.toContain('The number is');

      const logs = line.logs.join('\n');
      expect(line.logs.filter((l) => l.includes('callback asked'))).toHaveLength(2);
      expect(logs).toContain('"option":"phone number"');
      // The numbers only as the log masks every number (its last four digits), what was said not at all.
      for (const secret of ['6135550199', '613555', '4165550123', '416-555', 'fifty-five', 'two oh four', '9005551234', 'nine oh oh'])
        expect(logs).not.toContain(secret);
    } finally {
      await line.close();
    }
  });
});
