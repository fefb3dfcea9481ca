import type { TextCaps } from '../../src/requests/texts/text-caps';
import type { MessageLimits } from '../../src/requests/texts/message-queue';

/** The text messages' limits under test: a fresh pair, and what to do after each test. */
export interface TextLimitsUnderTest {
  limits: MessageLimits;
  caps: TextCaps;
  close(): Promise<void>;
}

const CALLER = '+12045550123';

/**
 * The contract of the text messages' limits (a number's texts a day, and the caps an hour of the line and of a number
 * prefix), run against each backend: in memory (test/unit/text-message-queueing.test.ts) and on Redis
 * (test/store/text-message-queueing-redis.test.ts).
 */
export function textLimitsConformance(name: string, make: () => TextLimitsUnderTest): void {
  describe(`the limits (${name})`, () => {
    let under: TextLimitsUnderTest;
    beforeEach(() => {
      under = make();
    });
    afterEach(() => under.close());

    test('caps an hour given back for a text not queued free their room; given back again, or never taken, nothing changes', async () => {
      const { caps } = under;
      const at = new Date('2026-12-05T15:10:00Z');
      const range = [
        { name: 'line', limit: 2 },
        { name: 'prefix:+1204', limit: 1 },
      ];
      expect(await caps.take('a', range, at)).toEqual({ ok: true });
      expect(await caps.take('b', range, at)).toEqual({ ok: false, cap: 'prefix:+1204' });
      await caps.giveBack('a', range, at);
      await caps.giveBack('a', range, at);
      await caps.giveBack('never', range, at);
      expect(await caps.take('b', range, at)).toEqual({ ok: true });
      expect(await caps.take('c', [{ name: 'line', limit: 2 }], at)).toEqual({ ok: true });
      expect(await caps.take('d', [{ name: 'line', limit: 2 }], at)).toEqual({ ok: false, cap: 'line' });
    });

    test('a take given back frees the day; a confirmed one is not given back', async () => {
      const { limits } = under;
      expect(await limits.take('a', CALLER, '2026-12-05', 1)).toBe('ok');
      expect(await limits.take('a', CALLER, '2026-12-05', 1)).toBe('unconfirmed');
      await limits.giveBack('a');
      expect(await limits.held('a')).toBe(false);
      expect(await limits.take('b', CALLER, '2026-12-05', 1)).toBe('ok');
      await limits.confirm('b');
      await limits.giveBack('b');
      expect(await limits.held('b')).toBe(true);
      expect(await limits.take('b', CALLER, '2026-12-05', 1)).toBe('already');
      expect(await limits.take('c', CALLER, '2026-12-05', 1)).toBe('limit');
      // Given back twice, the day's count does not go below zero.
      await limits.giveBack('b');
      await limits.giveBack('a');
      expect(await limits.take('d', '+15555550199', '2026-12-05', 1)).toBe('ok');
      expect(await limits.take('e', '+15555550199', '2026-12-05', 1)).toBe('limit');
    });
  });
}
