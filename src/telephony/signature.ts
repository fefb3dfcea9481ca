import { validateRequest } from 'twilio';

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
