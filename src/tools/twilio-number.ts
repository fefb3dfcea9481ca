import type { Twilio } from 'twilio';

/** The voice settings of a Twilio phone number that decide where its calls go. */
export interface VoiceSettings {
  voiceUrl: string;
  voiceMethod: string;
  voiceFallbackUrl: string;
  voiceFallbackMethod: string;
  statusCallback: string;
  statusCallbackMethod: string;
  /** A TwiML App on the number overrides its voice URL, so it is cleared. */
  voiceApplicationSid: string;
}

export interface Change {
  setting: keyof VoiceSettings;
  from: string;
  to: string;
}

export interface ConfigureResult {
  sid: string;
  phoneNumber: string;
  changes: Change[];
  applied: boolean;
  /**
   * The Elastic SIP Trunk the number is attached to, if any. Twilio then sends the number's calls to the trunk and
   * never calls its voice URL, so nothing is changed until the trunk is detached.
   */
  trunkSid?: string;
}

export class ConfigureError extends Error {}

/** How to take a number off a SIP trunk: in the Console, or with Twilio's Trunking API. */
export function detachTrunkHelp(trunkSid: string, numberSid: string): string {
  return [
    `Twilio sends this number's calls to the SIP trunk ${trunkSid} and never calls its voice URL.`,
    'Detach the number from the trunk, then run this command again:',
    `  in the Console: Elastic SIP Trunking > Manage > Trunks > ${trunkSid} > Numbers, select the number, Remove;`,
    "  or with Twilio's API:",
    `    curl -X DELETE https://trunking.twilio.com/v1/Trunks/${trunkSid}/PhoneNumbers/${numberSid} \\`,
    '      -u "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN"',
  ].join('\n');
}

/** Where the line's webhooks are, for a public base URL. */
export function lineSettings(publicBaseUrl: string): VoiceSettings {
  return {
    voiceUrl: `${publicBaseUrl}/voice`,
    voiceMethod: 'POST',
    voiceFallbackUrl: `${publicBaseUrl}/voice/fallback`,
    voiceFallbackMethod: 'POST',
    statusCallback: `${publicBaseUrl}/voice/status`,
    statusCallbackMethod: 'POST',
    voiceApplicationSid: '',
  };
}

/** Why a request got no answer from Twilio, by the error code Node or the HTTP client gives. */
function networkReason(code: string | undefined, message: string): string {
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the name api.twilio.com could not be looked up (${code}; is this machine offline?)`;
    case 'ECONNREFUSED':
      return 'the connection was refused (ECONNREFUSED; a firewall or a proxy in the way?)';
    case 'ECONNABORTED':
    case 'ETIMEDOUT':
      return `no answer in time (${code === 'ECONNABORTED' ? 'timed out' : code})`;
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return `the network is unreachable (${code})`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `the connection was cut (${code})`;
    default:
      if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code))
        return `Twilio's certificate could not be verified (${code}; a proxy that intercepts HTTPS? TWILIO_CA_BUNDLE can name its CA file)`;
      return code === undefined ? message : `${message} (${code})`;
  }
}

/** The request never got an HTTP answer (DNS, connection, timeout, TLS): Twilio did not say anything. */
function unreachable(error: unknown): boolean {
  return typeof (error as { status?: unknown }).status !== 'number';
}

const CHECK_NETWORK = "check this machine's network connection (HTTP_PROXY if it must go through a proxy) and run the command again";

/** A Twilio REST error as something a person can act on. */
function explain(error: unknown, number: string): Error {
  const e = error as { status?: number; code?: number; message?: string };
  if (e.status === 401 || e.code === 20003)
    return new ConfigureError(
      'Twilio refused the credentials: check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (the auth token of that account).',
    );
  if (e.status === 404 || e.code === 20404) return new ConfigureError(`the account has no phone number ${number}`);
  return new ConfigureError(
    `Twilio answered with an error${e.status ? ` (HTTP ${e.status}${e.code ? `, code ${e.code}` : ''})` : ''}: ${e.message ?? String(error)}`,
  );
}

/**
 * Points a phone number (E.164, or its PN… SID) at the line: voice URL, fallback URL and status callback, all
 * POST. With `dryRun`, only reports what would change.
 */
export async function configureNumber(client: Twilio, number: string, publicBaseUrl: string, dryRun: boolean): Promise<ConfigureResult> {
  let found: { sid: string; phoneNumber: string; trunkSid?: string | null } & VoiceSettings;
  try {
    if (/^PN[0-9a-fA-F]{32}$/.test(number)) {
      found = await client.incomingPhoneNumbers(number).fetch();
    } else {
      const matches = await client.incomingPhoneNumbers.list({ phoneNumber: number, limit: 2 });
      if (matches.length === 0) throw new ConfigureError(`the account has no phone number ${number}`);
      found = matches[0]!;
    }
  } catch (error) {
    if (error instanceof ConfigureError) throw error;
    if (unreachable(error)) {
      const e = error as { code?: string; message?: string };
      throw new ConfigureError(
        `cannot reach Twilio to read the number's settings: ${networkReason(e.code, e.message ?? String(error))}. ` +
          `${dryRun ? '--dry-run changes nothing, but it too needs Twilio to read what is set on the number; ' : ''}${CHECK_NETWORK}`,
      );
    }
    throw explain(error, number);
  }
  const wanted = lineSettings(publicBaseUrl);
  const changes: Change[] = (Object.keys(wanted) as (keyof VoiceSettings)[])
    .map((setting) => ({ setting, from: found[setting] ?? '', to: wanted[setting] }))
    .filter((c) => c.from !== c.to && !(c.setting.endsWith('Method') && c.from.toUpperCase() === c.to));
  // A trunk takes the number's calls whatever its voice URL says: change nothing, and say so.
  if (found.trunkSid) return { sid: found.sid, phoneNumber: found.phoneNumber, changes, applied: false, trunkSid: found.trunkSid };
  if (dryRun || changes.length === 0) return { sid: found.sid, phoneNumber: found.phoneNumber, changes, applied: false };
  try {
    await client.incomingPhoneNumbers(found.sid).update(wanted);
  } catch (error) {
    if (unreachable(error)) {
      const e = error as { code?: string; message?: string };
      throw new ConfigureError(
        `read the number's settings, then could not reach Twilio to change them: ${networkReason(e.code, e.message ?? String(error))}. ` +
          `The change may or may not have been made: ${CHECK_NETWORK} (it changes only what still differs)`,
      );
    }
    throw explain(error, number);
  }
  return { sid: found.sid, phoneNumber: found.phoneNumber, changes, applied: true };
}
