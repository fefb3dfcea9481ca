import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { keyedDigest } from '../../common/keyed-digest';
import { sameToken } from './tokens';

/**
 * Small values a sign-in keeps outside this process, each under a key made from the line's secret for its purpose:
 * `sign` for what the browser carries (readable, but not to be changed), `seal` for what the store keeps and must
 * not be readable there (a provider's refresh token).
 */
export class Sealer {
  private readonly sealKey: Buffer;

  constructor(
    private readonly secret: string,
    private readonly purpose: string,
  ) {
    this.sealKey = createHmac('sha256', secret).update(`${purpose}\0seal`).digest();
  }

  /** `value` with a keyed digest of it: `value.digest`. */
  sign(value: string): string {
    return `${value}.${keyedDigest(this.secret, this.purpose, value, 43)}`;
  }

  /** The value of a signed text, when its digest is right; undefined otherwise. */
  unsign(signed: string | undefined): string | undefined {
    if (signed === undefined) return undefined;
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const value = signed.slice(0, dot);
    return sameToken(signed.slice(dot + 1), keyedDigest(this.secret, this.purpose, value, 43)) ? value : undefined;
  }

  /** AES-256-GCM, a fresh IV each time: `iv.ciphertext.tag`, base64url. */
  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [iv, body, cipher.getAuthTag()].map((b) => b.toString('base64url')).join('.');
  }

  /** What `seal` sealed with this key and purpose; undefined for anything else. */
  open(sealed: string): string | undefined {
    const [iv, body, tag] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
    if (iv === undefined || body === undefined || tag === undefined || iv.length !== 12 || tag.length !== 16) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
