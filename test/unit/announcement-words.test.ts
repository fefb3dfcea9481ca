import { readTwiml } from '../../src/simulator/twiml-reader';
import { announcementTwiml } from '../../src/telephony/twiml';
import { fillWording, lengthProblem, NO_WORDINGS, spokenTime, wordsProblem } from '../../src/announcement/announcement';
import { draftOf, type AnnouncementForm } from '../../src/desk/announcement/announcement-form';
import { portalLogin } from '../helpers/flows';
import { RENDER_OPTIONS } from '../helpers/flows';

const FLOW = portalLogin().flow.announcements!;

describe('what an announcement may say', () => {
  test.each([
    'We know that the Customer Portal has not let anyone log in since 9 a.m. We are working on it.',
    'Since 9:30 this morning, passcodes arrive late; we expect a fix by 14:00.',
    "Le portail est en panne depuis 9 h 30? No: it's down since December 5, and back by 5 December 2026.",
    'Maintenance on Dec. 24th, from 10 p.m. to 11:30 p.m.',
  ])('plain words, with times and dates: %s', (text) => {
    expect(wordsProblem(text)).toBeUndefined();
  });

  test.each([
    ['<speak>down</speak>', 'markup'],
    ['Call {bsdNumber}', 'markup or placeholders'],
    ['Go to https://status.example.org', 'web or e-mail'],
    ['Write to desk@example.org', 'web or e-mail'],
    ['See status.example.com', 'web or e-mail'],
    ['Call 1 800 605 2965', 'Digits only'],
    ['Reference 361195 is affected', 'Digits only'],
    ['Down for 3 hours', 'Digits only'],
    ['Down * again', '"*"'],
    ['Down # again', '"#"'],
    ['', 'Write the words'],
  ])('%s is refused: %s', (text, reason) => {
    expect(wordsProblem(text)).toContain(reason);
  });

  test('"9 h 30" style digits outside a time are refused; a bare clock time is not', () => {
    expect(wordsProblem('Back at 14:30.')).toBeUndefined();
    expect(wordsProblem('Back at 14 30.')).toContain('Digits only');
  });

  test("held to the flow's seconds at its pace", () => {
    expect(lengthProblem('The portal is down.', FLOW, 175)).toBeUndefined();
    expect(lengthProblem('word '.repeat(60), FLOW, 175)).toMatch(/about 20\.6 seconds of listening, over 15/);
  });

  test('times as a wording says them', () => {
    const at = (iso: string) => new Date(iso);
    expect(spokenTime(at('2026-12-07T14:00:00Z'), 'America/Toronto')).toBe('9 a.m.');
    expect(spokenTime(at('2026-12-07T16:30:00Z'), 'America/Toronto')).toBe('11:30 a.m.');
    expect(spokenTime(at('2026-12-07T17:05:00Z'), 'America/Toronto')).toBe('12:05 p.m.');
    expect(spokenTime(at('2026-12-07T05:00:00Z'), 'America/Toronto')).toBe('12 a.m.');
    const filled = fillWording(NO_WORDINGS, 'Since {since}, back {until}.', {
      since: at('2026-12-07T14:00:00Z'),
      until: null,
      zone: 'America/Toronto',
    });
    expect(filled).toBe('Since 9 a.m., back as soon as we can.');
  });
});

describe('a draft from the form', () => {
  // Monday, December 7 2026, 10:00 in Toronto.
  const now = Date.parse('2026-12-07T15:00:00Z');
  const ctx = { flow: FLOW, wordsPerMinute: 175, timeZone: 'America/Toronto', maxHours: 12, now };
  const form = (fields: Partial<AnnouncementForm>): AnnouncementForm => ({
    wording: 'own',
    text: 'The portal is down.',
    since: '',
    starts: '',
    ends: '',
    then: 'menu',
    ...fields,
  });

  test('no start and no end: from now, for ANNOUNCEMENT_MAX_HOURS', () => {
    const drafted = draftOf(form({}), ctx);
    expect(drafted).toMatchObject({ ok: true, draft: { startsAt: now, endsAt: now + 12 * 3600_000, endGiven: false, then: 'menu' } });
  });

  test('an end earlier than the start is the next day; past the longest it is refused', () => {
    const late = draftOf(form({ starts: '22:00', ends: '02:00' }), ctx);
    expect(late).toMatchObject({ ok: true, draft: { endGiven: true } });
    if (late.ok) expect(late.draft.endsAt - late.draft.startsAt).toBe(4 * 3600_000);
    expect(draftOf(form({ ends: '09:59' }), ctx)).toMatchObject({ ok: false, problem: expect.stringContaining('at most 12 hours') });
    expect(draftOf(form({ ends: '23:30' }), ctx)).toMatchObject({ ok: false, problem: expect.stringContaining('at most 12 hours') });
  });

  test('a saved wording with its times; an unknown one is refused', () => {
    const drafted = draftOf(form({ wording: 'portal-down', since: '09:00', ends: '11:30' }), ctx);
    expect(drafted).toMatchObject({ ok: true, draft: { wording: 'portal-down' } });
    if (drafted.ok) {
      expect(drafted.draft.text).toContain('since 9 a.m.');
      expect(drafted.draft.text).toContain('by 11:30 a.m.');
    }
    expect(draftOf(form({ wording: 'nope' }), ctx)).toMatchObject({ ok: false, problem: expect.stringContaining('"nope"') });
    // Names every object has are no saved wordings.
    for (const wording of ['constructor', 'toString', '__proto__'])
      expect(draftOf(form({ wording }), ctx)).toMatchObject({ ok: false, problem: expect.stringContaining(`"${wording}"`) });
  });

  test('a start that has passed: a minute behind is now, half a day behind is the next day, otherwise refused', () => {
    expect(draftOf(form({ starts: '10:00' }), ctx)).toMatchObject({ ok: true, draft: { startsAt: now } });
    expect(draftOf(form({ starts: '09:30' }), ctx)).toMatchObject({ ok: false, problem: expect.stringContaining('start time has passed') });
    // 00:30 typed at 23:00 is tonight's, and its longest end is twelve hours after it.
    const late = { ...ctx, now: Date.parse('2026-12-08T04:00:00Z') };
    const tonight = draftOf(form({ starts: '00:30' }), late);
    expect(tonight).toMatchObject({
      ok: true,
      draft: { startsAt: Date.parse('2026-12-08T05:30:00Z'), endsAt: Date.parse('2026-12-08T17:30:00Z') },
    });
  });

  test("every saved wording of the flow can be said with the longest times, within the flow's seconds", () => {
    for (const id of Object.keys(FLOW.wordings))
      for (const ends of ['', '12:45'])
        expect({ id, ends, drafted: draftOf(form({ wording: id, since: '07:45', ends }), ctx).ok }).toEqual({ id, ends, drafted: true });
  });
});

describe('the TwiML that says it', () => {
  const options = RENDER_OPTIONS;

  test('the greeting and the words in one key-stoppable Gather, then on to the action either way; XML-safe', () => {
    const action = 'https://line.example.test/voice/announced?t=1&then=menu';
    const twiml = announcementTwiml('Hello.', 'Down \u0001since 9 a.m. <b> & "quoted"', action, options);
    const verbs = readTwiml(twiml);
    expect(verbs).toMatchObject([
      { verb: 'Gather', action, numDigits: 1, timeout: 1, plays: [{ verb: 'Say', text: 'Hello. Down since 9 a.m. <b> & "quoted"' }] },
      { verb: 'Redirect', url: action },
    ]);
  });
});
