import type { FlowRegistry } from '../../engine/registry';
import { shownNumber } from '../../common/phone';
import { html, type Html } from './html';
import type { DialResult, TransferCard } from '../live/live-messages';
import { timeOf } from '../time';
import { labelOf, pathSteps, type PathStep } from '../transfer-facts';
import { followUpList } from './follow-up-lines';

/**
 * A text written to be spoken, as it reads: letters spelled out for the voice ("M F A", "I T", "P R S S") are an
 * abbreviation again on the page.
 */
export function forReading(spoken: string): string {
  return spoken.replace(/\b[A-Z](?: [A-Z]\b)+/g, (letters) => letters.replace(/ /g, ''));
}

/** "361195" -> "361 195", as the caller reads it out. */
export function groupedReference(reference: string): string {
  return reference.length === 6 ? `${reference.slice(0, 3)} ${reference.slice(3)}` : reference;
}

/**
 * A caller's number on the page: shown only as parsed and formatted, its link dialling the parsed number. What is
 * not exactly a number (free text, direction marks that would show one number and dial another) is "unknown
 * number", with no link.
 */
export function numberHtml(raw: string): Html {
  const shown = shownNumber(raw);
  return shown.tel === undefined ? html`<span class="muted">${shown.text}</span>` : html`<a href="${shown.tel}">${shown.text}</a>`;
}

const DIAL_WORDS: Record<DialResult, string> = {
  answered: 'Answered by the desk',
  busy: 'The desk was busy',
  'no-answer': 'Nobody at the desk answered',
  failed: 'The dial failed',
  canceled: 'The caller hung up before an answer',
};

/** A card's DOM id: a CallSid is letters and digits only. */
export const cardId = (callSid: string) => `call-${callSid}`;
export const dialId = (callSid: string) => `dial-${callSid}`;

/**
 * What says how the desk's dial went; replaced on the page when the dial ends (the attempt count beside it stays).
 */
export function dialLine(card: Pick<TransferCard, 'callSid' | 'dial'>, timeZone: string): Html {
  if (card.dial === null) return html`<span id="${dialId(card.callSid)}" class="dial dial-ringing">Ringing the desk…</span>`;
  const at = html`<time datetime="${card.dial.at}">${timeOf(card.dial.at, timeZone)}</time>`;
  return html`<span id="${dialId(card.callSid)}" class="dial dial-${card.dial.result}">${DIAL_WORDS[card.dial.result]}, ${at}</span>`;
}

/** The desk's dial and, for a redial, which attempt it is. */
function deskLine(card: TransferCard, timeZone: string): Html {
  const attempt = card.attempt > 1 ? html` <span class="attempt">(attempt ${String(card.attempt)})</span>` : '';
  return html`<dd>${dialLine(card, timeZone)}${attempt}</dd>`;
}

/** What the caller told the line, and the path the call took, for a card or a found call. */
export function callStory(notes: string[] | null, path: readonly PathStep[], headingLevel: 'h3' | 'h4'): Html {
  const heading = (text: string) => (headingLevel === 'h3' ? html`<h3>${text}</h3>` : html`<h4>${text}</h4>`);
  const told =
    notes === null
      ? html`<p class="muted">Not known: the line lost the call's place.</p>`
      : notes.length === 0
        ? html`<p class="muted">Nothing: the caller went straight to the desk.</p>`
        : html`<ul class="notes">
            ${notes.map((n) => html`<li>${forReading(n)}</li>`)}
          </ul>`;
  return html`${heading('What the caller told the line')}${told}
  ${
    path.length === 0
      ? ''
      : html`${heading('Path through the flow')}
          <ol class="path">
            ${path.map((p) => html`<li>${p.label}${p.left === null ? '' : html` <span class="left">(${forReading(p.left)})</span>`}</li>`)}
          </ol>`
  }`;
}

/** One transfer on the live list. */
export function transferCardHtml(card: TransferCard, timeZone: string, flows: FlowRegistry): Html {
  const headingId = `h-${card.callSid}`;
  return html`<li id="${cardId(card.callSid)}" class="transfer">
    <article aria-labelledby="${headingId}">
      <h3 id="${headingId}">
        <span class="reference">Reference ${groupedReference(card.reference)}</span>
        <span class="reason-label">${labelOf(card.reasonId)}</span> <time datetime="${card.at}">${timeOf(card.at, timeZone)}</time>
      </h3>
      <p class="reason">${forReading(card.reason)}</p>
      <dl class="facts">
        <dt>Caller's number</dt>
        <dd class="number">${card.from === null ? html`<span class="muted">not given</span>` : numberHtml(card.from)}</dd>
        <dt>Desk</dt>
        ${deskLine(card, timeZone)}
      </dl>
      ${followUpList(card, timeZone)} ${callStory(card.notes, pathSteps(flows, card.flowId, card.path), 'h4' as const)}
    </article>
  </li>`;
}

/** The live list's content: the cards, or a line saying there are none yet. */
export function transferList(cards: readonly TransferCard[], timeZone: string, flows: FlowRegistry): Html {
  if (cards.length === 0)
    return html`<li class="empty" id="no-transfers">No transfers yet today. New ones appear here as they happen.</li>`;
  return html`${cards.map((c) => transferCardHtml(c, timeZone, flows))}`;
}

/** What a screen reader announces for a new transfer. */
export function announcement(card: TransferCard): string {
  const again = card.attempt > 1 ? ', dialling again' : '';
  return `New transfer: reference ${groupedReference(card.reference)}, ${labelOf(card.reasonId)}${again}.`;
}
