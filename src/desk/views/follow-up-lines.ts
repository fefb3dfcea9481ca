import { html, type Html } from './html';
import type { FollowUpEntry, TransferCard } from '../live/live-messages';
import { timeOf } from '../time';
import { labelOf } from '../transfer-facts';

/** The DOM id of a card's follow-ups, and of one follow-up in it (a CallSid is letters and digits only). */
export const followUpsId = (callSid: string) => `follow-ups-${callSid}`;
export const followUpId = (callSid: string, id: string) => `follow-up-${callSid}-${id.replace(/[^A-Za-z0-9-]/g, '-')}`;

/** What the carrier's delivery failures mean, as Twilio documents them. */
const CARRIER_ERRORS: Record<number, string> = {
  30003: 'phone unreachable',
  30004: 'blocked',
  30005: 'unknown number',
  30006: 'landline or unreachable carrier',
  30007: 'filtered by the carrier',
  30008: 'unknown carrier error',
};

/** "the desk's number and hours", "the password steps". */
function textWhat(id: string): string {
  if (id === 'text:desk') return "the desk's number and hours";
  return id.startsWith('text:steps:') ? `the steps for ${labelOf(id.slice('text:steps:'.length))}` : 'a text';
}

/** One follow-up as the card says it: "Text (the desk's number and hours): not delivered, error 30006 (landline…)". */
export function followUpWords(entry: FollowUpEntry): string {
  if (entry.kind === 'callback') return entry.state === 'booked' ? 'Callback booked' : 'Callback asked for: could not be booked';
  const code =
    entry.code === undefined ? '' : `, error ${entry.code}${CARRIER_ERRORS[entry.code] ? ` (${CARRIER_ERRORS[entry.code]})` : ''}`;
  const how: Record<FollowUpEntry['state'], string> = {
    booked: 'queued',
    asked: 'queued to send',
    sent: 'sent, not yet delivered',
    delivered: 'delivered',
    failed: `not delivered${code}`,
    refused: 'not sent (no number it can go to, or the daily limit)',
    unknown: "perhaps sent: Twilio's answer never came",
  };
  return `Text (${textWhat(entry.id)}): ${how[entry.state]}`;
}

export function followUpItem(callSid: string, entry: FollowUpEntry, timeZone: string): Html {
  const bad = entry.state === 'failed' || entry.state === 'refused' || entry.state === 'unknown';
  return html`<li id="${followUpId(callSid, entry.id)}" class="follow-up follow-up-${entry.state}${bad ? ' alert' : ''}">
    ${followUpWords(entry)}, <time datetime="${entry.at}">${timeOf(entry.at, timeZone)}</time>
  </li>`;
}

/** The card's follow-ups; there, hidden, while there are none, so that the first one has a place to go. */
export function followUpList(card: Pick<TransferCard, 'callSid' | 'followUps'>, timeZone: string): Html {
  const entries = card.followUps ?? [];
  return html`<div id="${followUpsId(card.callSid)}" class="follow-ups" ${entries.length === 0 ? 'hidden' : ''}>
    <h4>The caller also asked for</h4>
    <ul>
      ${entries.map((e) => followUpItem(card.callSid, e, timeZone))}
    </ul>
  </div>`;
}
