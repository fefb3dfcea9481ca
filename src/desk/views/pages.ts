import { callStory, dialLine, forReading, groupedReference, numberHtml, transferList } from './cards';
import type { Day, FoundCall } from '../desk';
import { html, type Html } from './html';
import { outcomeChart } from './outcome-chart';
import { callbackList } from './callback-list';
import type { CallbackRecord } from '../../requests/callbacks/callback-store';
import { dateTimeOf, longDayOf } from '../time';
import { labelOf, pathSteps, reasonFor } from '../transfer-facts';
import { closedDeskOutcome } from '../outcomes/closed-desk';
import { SYSTEM } from '../../engine/compile';
import type { FlowRegistry } from '../../engine/registry';
import { announcementSection, type AnnouncementView } from '../announcement/announcement-view';

export interface PageContext {
  /** Where the desk is, as the browser sees it: PUBLIC_BASE_URL's path and /desk. */
  base: string;
  timeZone: string;
}

export function layout(ctx: PageContext, title: string, body: Html): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title}</title>
        <link rel="stylesheet" href="${ctx.base}/assets/desk.css" />
        <script src="${ctx.base}/assets/desk.js" defer></script>
      </head>
      <body data-base="${ctx.base}">
        ${body}
      </body>
    </html> `.text;
}

/** What the sign-in page offers and says. */
export interface SignInView {
  csrf: string;
  name?: string;
  problem?: string;
  notice?: string;
  /** The password form (DESK_USERS); shown unless false. */
  passwords?: boolean;
  /** The button to sign in with the organisation's identity provider. */
  oidc?: boolean;
  /** After signing out of a provider's sign-in: the provider's own sign-out, offered as a link. */
  endSession?: string;
}

export function signInPage(ctx: PageContext, form: SignInView): string {
  const passwords = form.passwords !== false;
  return layout(
    ctx,
    'Sign in · Business Support Desk',
    html`<main class="sign-in">
      <h1>Business Support Desk</h1>
      <p class="lede">Transfers from the Customer Portal login line, as they happen.</p>
      ${form.notice === undefined ? '' : html`<p class="notice" role="status">${form.notice}</p>`}
      ${
        form.endSession === undefined
          ? ''
          : html`<p class="notice">
              To sign out of your organisation's account too (on a shared computer),
              <a id="provider-sign-out" href="${form.endSession}">sign out at your organisation</a>.
            </p>`
      }
      ${form.problem === undefined ? '' : html`<p class="problem" role="alert" id="sign-in-problem">${form.problem}</p>`}
      ${
        form.oidc === true
          ? html`<p><a class="button" id="oidc-sign-in" href="${ctx.base}/oidc/start">Sign in with your organisation's account</a></p>`
          : ''
      }
      ${
        passwords
          ? html`${form.oidc === true ? html`<p class="hint">Or with a desk password:</p>` : ''}
              <form
                method="post"
                action="${ctx.base}/sign-in"
                ${form.problem === undefined ? '' : html`aria-describedby="sign-in-problem"`}
              >
                <input type="hidden" name="csrf" value="${form.csrf}" />
                <p>
                  <label for="name">Name</label>
                  <input id="name" name="name" autocomplete="username" required maxlength="64" value="${form.name ?? ''}" autofocus />
                </p>
                <p>
                  <label for="password">Password</label>
                  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024" />
                </p>
                <p><button type="submit">Sign in</button></p>
              </form>`
          : ''
      }
    </main>`,
  );
}

export interface DeskView {
  /** Whether the line counts the flow's insights: the header links to their page. */
  insights?: boolean;
  user: string;
  csrf: string;
  day: Day;
  /** How long an ended call can be found ("7 days"); null when no summary is kept. */
  retention: string | null;
  /** What the search box asked for and found, when it did; found is null for a reference that is not one. */
  search?: { reference: string; found: FoundCall[] | null };
  /** The open callbacks, oldest first, when the line keeps them. */
  callbacks?: CallbackRecord[];
  /** The announcement callers hear, and the day's changes to it. */
  announcement?: AnnouncementView;
}

/** SUMMARY_TTL_SECONDS in words: "7 days", "36 hours", "45 minutes"; null for 0. */
export function retentionWords(seconds: number): string | null {
  if (seconds <= 0) return null;
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds % 86400 === 0) return plural(seconds / 86400, 'day');
  if (seconds >= 3600) return plural(Math.round(seconds / 3600), 'hour');
  return plural(Math.max(1, Math.round(seconds / 60)), 'minute');
}

export function deskPage(ctx: PageContext, view: DeskView, flows: FlowRegistry): string {
  const { day } = view;
  return layout(
    ctx,
    'Business Support Desk · live transfers',
    html`<a class="skip" href="#transfers">Skip to the live transfers</a>
      <header class="top">
        <h1>Business Support Desk <span class="sub">Customer Portal login line</span></h1>
        ${
          view.insights === true
            ? html`<nav class="desk-nav" aria-label="Desk pages">
                <a href="${ctx.base}" aria-current="page">Live transfers</a>
                <a href="${ctx.base}/insights" id="insights-link">Flow insights</a>
              </nav>`
            : ''
        }
        <form class="sign-out" method="post" action="${ctx.base}/sign-out">
          <input type="hidden" name="csrf" value="${view.csrf}" />
          <span>Signed in as <strong>${view.user}</strong></span>
          <button type="submit">Sign out</button>
        </form>
      </header>
      <main class="desk">
        <section class="live" id="transfers" aria-labelledby="transfers-heading" tabindex="-1">
          <h2 id="transfers-heading">Live transfers <span class="sub">${longDayOf(day.day)}, most recent first</span></h2>
          <p id="live-status" class="live-status" role="status">New transfers appear here as they happen.</p>
          <div id="announcer" class="visually-hidden" aria-live="polite" aria-atomic="true"></div>
          <ol id="transfer-list" class="transfers">
            ${transferList(day.cards, ctx.timeZone, flows)}
          </ol>
        </section>
        <aside class="side">
          ${view.announcement === undefined ? '' : announcementSection(view.announcement, ctx.timeZone, ctx.base, view.csrf)}
          ${
            view.callbacks === undefined
              ? ''
              : html`<section aria-labelledby="callbacks-heading" id="callbacks" tabindex="-1">
                  <h2 id="callbacks-heading">Callbacks <span class="sub">oldest first</span></h2>
                  <ol id="callback-list" class="callbacks">
                    ${callbackList(view.callbacks, ctx.base, ctx.timeZone, view.csrf)}
                  </ol>
                </section>`
          }
          <section aria-labelledby="find-heading" id="find">
            <h2 id="find-heading">Find a call</h2>
            <form method="post" action="${ctx.base}/search" role="search" aria-labelledby="find-heading">
              <input type="hidden" name="csrf" value="${view.csrf}" />
              <label for="reference">Reference number the caller reads out</label>
              <div class="row">
                <input
                  id="reference"
                  name="reference"
                  inputmode="numeric"
                  autocomplete="off"
                  required
                  maxlength="12"
                  aria-describedby="reference-hint"
                  value="${view.search?.reference ?? ''}"
                />
                <button type="submit">Find</button>
              </div>
              <p id="reference-hint" class="hint">
                Six digits, such as 361 195.
                ${view.retention === null ? 'Calls in progress are found; ended calls are not kept.' : `Calls in progress are found, and ended calls for ${view.retention}.`}
              </p>
            </form>
            ${view.search === undefined ? '' : searchResults(view.search, view.retention, ctx, flows)}
          </section>
          <section aria-labelledby="outcomes-heading">
            <h2 id="outcomes-heading">Today's outcomes</h2>
            <div id="outcome-chart">${outcomeChart(day.counts)}</div>
          </section>
        </aside>
      </main>`,
  );
}

function searchResults(search: NonNullable<DeskView['search']>, retention: string | null, ctx: PageContext, flows: FlowRegistry): Html {
  if (search.found === null)
    return html`<p class="problem" role="alert">A reference is six digits, such as 361 195; "${search.reference}" is not one.</p>`;
  const reference = groupedReference(search.reference);
  if (search.found.length === 0)
    return html`<p role="status" class="results-none">
      No call with reference ${reference} is in progress${retention === null ? '' : ` or ended in the last ${retention}`}.
    </p>`;
  return html`<div class="results" role="status" aria-label="Calls found">${search.found.map((f) => foundCall(ctx, f, flows))}</div>`;
}

function foundCall(ctx: PageContext, found: FoundCall, flows: FlowRegistry): Html {
  const { summary, live, card } = found;
  const reference = groupedReference(found.reference);
  const notes = summary?.history ?? live?.call.context.history ?? card?.notes ?? null;
  // The path the call took: to where it ended, to where it is, or to its transfer.
  const path =
    summary?.path !== undefined
      ? pathSteps(flows, summary.flowId, summary.path)
      : live !== null
        ? pathSteps(flows, live.flowId, [...live.call.context.path, live.call.value])
        : pathSteps(flows, card?.flowId, card?.path ?? []);
  const transfer = summary?.transfer ?? live?.call.context.transfer ?? card?.reasonId ?? null;
  // A call that met the closed desk has no card: its reason is the summary's, or (a live call, an older summary)
  // that of the transfer it would have made.
  const flowId = summary?.flowId ?? live?.flowId;
  const closed = summary !== null ? closedDeskOutcome(summary) !== null : live?.call.value === SYSTEM.deskClosed;
  const reason =
    card?.reason ??
    summary?.reason ??
    (transfer === null || flowId === undefined
      ? undefined
      : reasonFor(flows, { kind: 'flow', flowId, state: transfer, redial: false }, found.reference).text);
  const status =
    summary !== null
      ? html`Ended ${dateTimeOf(summary.endedAt, ctx.timeZone)}
        (${summary.callStatus}${summary.durationSeconds === null ? '' : `, ${minutes(summary.durationSeconds)}`})`
      : live !== null
        ? html`In progress, now at: ${labelOf(live.call.value)}`
        : html`Transferred ${dateTimeOf(card!.at, ctx.timeZone)}`;
  return html`<article class="found" aria-labelledby="found-${found.callSid}">
    <h3 id="found-${found.callSid}">Reference ${reference}</h3>
    <dl class="facts">
      <dt>Call</dt>
      <dd>${status}</dd>
      <dt>Transfer</dt>
      <dd>${transfer === null ? 'none: the call stayed with the line' : labelOf(transfer)}${closed ? ' (the desk was closed)' : ''}</dd>
      ${
        reason === undefined
          ? ''
          : html`<dt>Reason</dt>
              <dd>${forReading(reason)}</dd>`
      }
      ${
        card?.from === null || card?.from === undefined
          ? ''
          : html`<dt>Caller's number</dt>
              <dd class="number">${numberHtml(card.from)}</dd>`
      }
      ${
        card === null
          ? ''
          : html`<dt>Desk</dt>
              <dd>${dialLine({ callSid: `found-${card.callSid}`, dial: card.dial }, ctx.timeZone)}</dd>`
      }
    </dl>
    ${callStory(notes, path, 'h4')}
  </article>`;
}

function minutes(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m === 0 ? `${s} s` : `${m} min ${s} s`;
}
