import { getExpectedTwilioSignature, validateRequest } from 'twilio';

/** Form parameters as Twilio posts them; a name posted more than once carries its values in a list. */
export type WebhookParams = Record<string, string | string[]>;

/** A webhook as Twilio sends it: the form body, and its headers with the signature made over the URL and parameters. */
export interface SignedWebhook {
  url: string;
  params: WebhookParams;
  body: string;
  signature: string;
  headers: { 'Content-Type': 'application/x-www-form-urlencoded'; 'X-Twilio-Signature': string };
}

/**
 * Signs a webhook to `url` as Twilio does, with the twilio package's getExpectedTwilioSignature: the counterpart
 * of isSignedByTwilio, for whatever plays Twilio (the simulator, `npm run call`, the tests and the benchmark).
 */
export function signWebhook(authToken: string, url: string, params: WebhookParams): SignedWebhook {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const v of Array.isArray(value) ? value : [value]) form.append(name, v);
  const signature = getExpectedTwilioSignature(authToken, url, params);
  return {
    url,
    params,
    body: form.toString(),
    signature,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
  };
}

/**
 * Checks X-Twilio-Signature with the twilio package's validateRequest. The URL is rebuilt from the configured
 * public base URL and the request path with its query (express's `originalUrl`), never from the Host header or
 * protocol, which a proxy changes. The package accepts the URL with and without the scheme's default port.
 */
export function isSignedByTwilio(
  authToken: string,
  publicBaseUrl: string,
  originalUrl: string,
  signature: string | undefined,
  params: Record<string, unknown>,
): boolean {
  if (signature === undefined || signature === '') return false;
  try {
    return validateRequest(authToken, signature, publicBaseUrl + originalUrl, params);
  } catch {
    // validateRequest normalizes the URL with `new URL()` when the URL as received does not match; a path that
    // makes no URL is no request Twilio signed.
    return false;
  }
}
