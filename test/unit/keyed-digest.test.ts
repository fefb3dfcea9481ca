import { createHash } from 'node:crypto';
import { keyedDigest } from '../../src/common/keyed-digest';

describe('keyedDigest', () => {
  it('depends on the key, so a digest cannot be checked offline without it', () => {
    const a = keyedDigest('key-one', 'sms-day', '+12045550123');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(keyedDigest('key-one', 'sms-day', '+12045550123')).toBe(a);
    expect(keyedDigest('key-two', 'sms-day', '+12045550123')).not.toBe(a);
    expect(a).not.toBe(createHash('sha256').update('+12045550123').digest('hex').slice(0, 16));
  });

  it('keeps one purpose apart from another', () => {
    expect(keyedDigest('k', 'sms-day', 'x')).not.toBe(keyedDigest('k', 'sign-in-name', 'x'));
  });
});
