import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Twilio's request signature: base64 HMAC-SHA1, keyed with the auth token, over the full URL followed by each
 * POST parameter's name and value in name order.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, unknown>): string {
  // One string and one update: each update is a call into the crypto binding.
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    // A repeated parameter arrives as an array; Twilio signs each value in order.
    if (Array.isArray(value)) for (const v of [...value].sort()) data += `${name}${String(v)}`;
    else data += `${name}${String(value ?? '')}`;
  }
  return createHmac('sha1', keyFor(authToken)).update(data, 'utf8').digest('base64');
}

/** The auth token as a key object, made once: a string key is copied into a new key on every HMAC. */
let lastKey: { token: string; key: KeyObject } | undefined;
function keyFor(authToken: string): KeyObject {
  if (lastKey?.token !== authToken) lastKey = { token: authToken, key: createSecretKey(Buffer.from(authToken, 'utf8')) };
  return lastKey.key;
}

/**
 * Checks X-Twilio-Signature. The URL is rebuilt from the configured public base URL and the request path with
 * its query, never from the Host header or protocol, which a proxy changes. Written here rather than calling the
 * twilio package's validateRequest, which re-parses the URL and tries several port variants on every webhook;
 * the tests sign with the twilio package, so the two must agree.
 */
export function isSignedByTwilio(
  authToken: string,
  publicBaseUrl: string,
  originalUrl: string,
  signature: string | undefined,
  params: Record<string, unknown>,
): boolean {
  if (signature === undefined || signature === '') return false;
  const expected = Buffer.from(twilioSignature(authToken, publicBaseUrl + originalUrl, params));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
