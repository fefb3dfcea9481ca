import type { CallbackRecord } from '../../requests/callbacks/callback-store';
import { forReading, groupedReference, numberHtml } from './cards';
import { html, type Html } from './html';
import { dateTimeOf } from '../time';

/** What the list shows when it is empty. */
export const NO_CALLBACKS: Html = html`<li id="no-callbacks" class="empty">No callbacks are waiting.</li>`;

/** A callback's DOM id: its call's SID, letters and digits only. */
export const callbackId = (id: string) => `callback-${id}`;

/**
 * The open callbacks, oldest first, each with its forms: claim it, or, once claimed, done or not reached. The same
 * HTML goes to every open page over the live stream: the forms' CSRF field is filled by the page from its own
 * (`csrf` when the server renders the page itself).
 */
export function callbackList(callbacks: readonly CallbackRecord[], base: string, timeZone: string, csrf = ''): Html {
  if (callbacks.length === 0) return NO_CALLBACKS;
  return html`${callbacks.map((c) => callbackCard(c, base, timeZone, csrf))}`;
}

function callbackCard(c: CallbackRecord, base: string, timeZone: string, csrf: string): Html {
  const asked = new Date(c.askedAt).toISOString();
  const token = html`<input type="hidden" name="csrf" value="${csrf}" /><input type="hidden" name="id" value="${c.id}" />`;
  const actions =
    c.status === 'open'
      ? html`<form method="post" action="${base}/callbacks/claim">${token}<button type="submit">Claim</button></form>`
      : html`<p class="claimed">Claimed by <strong>${c.claimedBy ?? ''}</strong></p>
          <form method="post" action="${base}/callbacks/close" class="row">
            ${token}
            <button type="submit" name="outcome" value="done">Done</button>
            <button type="submit" name="outcome" value="not-reached">Not reached</button>
          </form>`;
  return html`<li id="${callbackId(c.id)}" class="callback callback-${c.status}">
    <article aria-label="Callback, reference ${groupedReference(c.reference)}">
      <h3>Reference ${groupedReference(c.reference)}</h3>
      <dl>
        <dt>Call</dt>
        <dd>${numberHtml(c.number)} ${c.numberFrom === 'keyed' ? '(keyed in by the caller)' : '(the number they called from)'}</dd>
        <dt>Asked</dt>
        <dd><time datetime="${asked}">${dateTimeOf(asked, timeZone)}</time></dd>
        <dt>Reason</dt>
        <dd>${forReading(c.reason)}</dd>
        <dt>The caller told the line</dt>
        <dd>${c.told.length === 0 ? 'Nothing: they asked for the desk straight away.' : c.told.map(forReading).join('; ')}</dd>
      </dl>
      ${actions}
    </article>
  </li>`;
}
