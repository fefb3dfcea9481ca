import { audibleParts, firstWords, partsSeconds } from '../../src/timing/audible';
import { speechSeconds, spokenWords } from '../../src/timing/speech';
import { TwimlDocument, whisperTwiml, type RenderOptions } from '../../src/telephony/twiml';

describe('words as a synthesizer says them', () => {
  test.each([
    ['Thank you for calling.', 4],
    ['', 0],
    ['  Hello,   world!  ', 2],
    ["I'll wait. Don't remember my password?", 6],
    ['one-time passcode, set-up', 3],
    ['P R S S', 4],
    // Punctuation alone is not said.
    ['Goodbye . — ?', 1],
  ])('%j is %i words', (text, words) => expect(spokenWords(text)).toBe(words));

  test('each digit is a word, spaced or not', () => {
    expect(spokenWords('Your reference number is 3 6 1, 1 9 5.')).toBe(4 + 6);
    expect(spokenWords('Reference 361195.')).toBe(1 + 6);
    expect(spokenWords('call 1, 8 0 0, 6 0 5, 2 9 6 5')).toBe(1 + 11);
    expect(spokenWords('call 18006052965')).toBe(1 + 11);
    expect(spokenWords('press 9.')).toBe(2);
    // Letters and digits together: the letters are a word and each digit another.
    expect(spokenWords('version 2a')).toBe(1 + 2);
  });

  test('seconds at a rate: 175 words take a minute at 175 words a minute', () => {
    const words = Array.from({ length: 175 }, () => 'word').join(' ');
    expect(speechSeconds(words, 175)).toBeCloseTo(60);
    expect(speechSeconds(words, 350)).toBeCloseTo(30);
    expect(speechSeconds('1 2 3 4 5 6', 120)).toBeCloseTo(3);
  });
});

describe('what a TwiML document makes the listener hear', () => {
  const voice = { voice: 'Polly.Joanna', language: 'en-US' };

  test('every Say and Pause in order, inside a Gather too; not what a Dial plays to the other side', () => {
    const doc = new TwimlDocument(voice)
      .say('I\'ll say "this" & <that>.')
      .pause(2)
      .gather('Press 1.', 'https://line.invalid/voice/input', 7)
      .redirect('https://line.invalid/voice/input')
      .dial('+18006052965', { timeout: 30, whisperUrl: 'https://line.invalid/voice/whisper?w=Agent+text' })
      .hangup();
    expect(audibleParts(doc.toString())).toEqual([{ say: 'I\'ll say "this" & <that>.' }, { pause: 2 }, { say: 'Press 1.' }]);
  });

  test('a Pause without a length is one second; a Say with loop is heard that many times', () => {
    const twiml =
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say loop="2">Hello there.</Say><Pause/><Gather><Pause length="3"/><Say>Go.</Say></Gather></Response>';
    const parts = audibleParts(twiml);
    expect(parts).toEqual([{ say: 'Hello there.' }, { say: 'Hello there.' }, { pause: 1 }, { pause: 3 }, { say: 'Go.' }]);
    // 5 words at 60 a minute, and 4 s of pauses.
    expect(partsSeconds(parts, (t) => speechSeconds(t, 60))).toBeCloseTo(5 + 4);
  });

  test('the whisper counts its pause', () => {
    const options = { voice } as RenderOptions;
    const parts = audibleParts(whisperTwiml('Reference 1 2 3, 4 5 6. Log a ticket.', options));
    expect(parts).toEqual([{ say: 'Reference 1 2 3, 4 5 6. Log a ticket.' }, { pause: 1 }]);
    expect(partsSeconds(parts, (t) => speechSeconds(t, 60))).toBeCloseTo(10 + 1);
  });

  test('anything but a TwiML document is an error', () => {
    expect(() => audibleParts('<html></html>')).toThrow(/not a TwiML document/);
  });

  test('a prompt is named by its first words', () => {
    expect(firstWords([{ say: 'One two three.' }, { pause: 1 }, { say: 'Four five six seven.' }])).toBe('One two three. Four five six …');
    expect(firstWords([{ say: 'Short.' }])).toBe('Short.');
  });
});
