import { validateRequest } from 'twilio';

/**
 * Checks X-Twilio-Signature. The URL is rebuilt from the configured public base URL and the request path with
 * its query, never from the Host header or protocol, which a proxy changes.
 */
export function isSignedByTwilio(
  authToken: string,
  publicBaseUrl: string,
  originalUrl: string,
  signature: string | undefined,
  params: Record<string, unknown>,
): boolean {
  if (signature === undefined || signature === '') return false;
  return validateRequest(authToken, signature, publicBaseUrl + originalUrl, params);
}
