import { wavSeconds } from '../../src/timing/audio';
import { wav } from '../helpers/wav';

describe('the seconds of a WAV file', () => {
  test('its data over its bytes a second', () => {
    expect(wavSeconds(wav(2.5))).toBeCloseTo(2.5, 4);
    expect(wavSeconds(wav(1, 8000))).toBeCloseTo(1, 4);
  });

  test('other chunks before the data, an odd-sized one padded, are skipped', () => {
    const list = Buffer.concat([Buffer.from('LIST', 'ascii'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0', 'ascii')]);
    expect(wavSeconds(wav(0.5, 22050, { extra: list }))).toBeCloseTo(0.5, 4);
  });

  test('a data size left unknown by a streaming writer is the rest of the file', () => {
    expect(wavSeconds(wav(1.5, 22050, { dataSize: 0xffffffff }))).toBeCloseTo(1.5, 4);
    expect(wavSeconds(wav(1.5, 22050, { dataSize: 0 }))).toBeCloseTo(1.5, 4);
  });

  test('anything else is an error', () => {
    expect(() => wavSeconds(Buffer.from('not a wav file at all'))).toThrow(/not a WAV file/);
  });
});
