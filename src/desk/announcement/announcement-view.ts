import type { Announcement } from '../../announcement/announcement';
import type { Announcements } from '../../flows/schema';
import { html, type Html } from '../views/html';
import { timeOf } from '../time';
import type { AnnouncementEntry } from './announcement-desk';
import type { AnnouncementForm, Draft } from './announcement-form';

export interface AnnouncementView {
  current: Announcement | null;
  /** The day's changes, most recent first. */
  changes: AnnouncementEntry[];
  flow: Announcements;
  maxHours: number;
  now: number;
}

const THEN_WORDS = { menu: 'then go on to the main menu', desk: 'then go straight to the desk' } as const;
const hhmm = (ms: number, zone: string) => timeOf(new Date(ms).toISOString(), zone).slice(0, 5);

/** The announcement on (or to come): its words, its times, where callers go then, and the button that turns it off. */
function currentBlock(a: Announcement, view: AnnouncementView, zone: string, base: string, csrf: string): Html {
  const playing = a.startsAt <= view.now;
  const end = a.endGiven ? `ends by itself at ${hhmm(a.endsAt, zone)}` : `until turned off (at the latest ${hhmm(a.endsAt, zone)})`;
  return html`<div class="announcement-on" id="announcement-state" role="status">
    <p>
      <strong>${playing ? 'On' : `Starts at ${hhmm(a.startsAt, zone)}`}</strong>, turned on at ${hhmm(a.at, zone)} by
      <strong>${a.by}</strong>; ${end}. Callers hear it after the greeting, ${THEN_WORDS[a.then]}.
    </p>
    <blockquote id="announcement-words">${a.text}</blockquote>
    <form method="post" action="${base}/announcement/off">
      <input type="hidden" name="csrf" value="${csrf}" />
      <input type="hidden" name="id" value="${a.id}" />
      <button type="submit" class="danger">Turn off</button>
    </form>
  </div>`;
}

/** The form that previews an announcement; `values` fill it again after a preview or a problem. */
export function announcementFormHtml(base: string, csrf: string, flow: Announcements, maxHours: number, values?: AnnouncementForm): Html {
  const wordings = Object.entries(flow.wordings);
  const chosen = values?.wording ?? wordings[0]?.[0] ?? 'own';
  const then = values?.then ?? 'menu';
  return html`<form method="post" action="${base}/announcement" class="announcement-form" id="announcement-form">
    <input type="hidden" name="csrf" value="${csrf}" />
    <fieldset>
      <legend>Words</legend>
      ${wordings.map(
        ([id, w]) =>
          html`<label class="choice"
            ><input type="radio" name="wording" value="${id}" ${id === chosen ? html`checked` : ''} />
            <span><strong>${w.label}</strong> <span class="muted">${w.say}</span></span></label
          >`,
      )}
      <label class="choice"
        ><input type="radio" name="wording" value="own" id="wording-own" ${chosen === 'own' ? html`checked` : ''} />
        <span><strong>Own words</strong></span></label
      >
      <label for="announcement-text">Own words: plain words, at most ${flow.maxSeconds} seconds of listening</label>
      <textarea id="announcement-text" name="text" rows="3" cols="40" maxlength="400" aria-describedby="announcement-text-hint">
${values?.text ?? ''}</textarea>
      <p id="announcement-text-hint" class="hint">No links or markup; digits only in a time (9 a.m.) or a date.</p>
    </fieldset>
    <div class="times">
      <p>
        <label for="announcement-since">Problem began at</label>
        <input type="time" id="announcement-since" name="since" value="${values?.since ?? ''}" />
        <span class="hint">Empty: when it starts.</span>
      </p>
      <p>
        <label for="announcement-starts">Callers hear it from</label>
        <input type="time" id="announcement-starts" name="starts" value="${values?.starts ?? ''}" />
        <span class="hint">Empty: now.</span>
      </p>
      <p>
        <label for="announcement-ends">Expected end</label>
        <input type="time" id="announcement-ends" name="ends" value="${values?.ends ?? ''}" />
        <span class="hint">Empty: until turned off, ${maxHours} hours at most.</span>
      </p>
    </div>
    <fieldset>
      <legend>Then callers</legend>
      <label class="choice"
        ><input type="radio" name="then" value="menu" ${then === 'menu' ? html`checked` : ''} /> go on to the main menu</label
      >
      <label class="choice"
        ><input type="radio" name="then" value="desk" ${then === 'desk' ? html`checked` : ''} /> go straight to the desk</label
      >
    </fieldset>
    <p><button type="submit">Preview</button></p>
  </form>`;
}

/**
 * The day's changes, most recent first, with the end of each announcement that ended by itself (at its end time,
 * before anyone turned it off or replaced it) in its place.
 */
function changeLines(changes: AnnouncementEntry[], zone: string, now: number): Html[] {
  const lines: Html[] = [];
  changes.forEach((entry, i) => {
    const newer = changes[i - 1];
    const ended = entry.action === 'on' && entry.endsAt !== undefined ? Date.parse(entry.endsAt) : NaN;
    if (ended <= now && (newer === undefined || Date.parse(newer.at) > ended)) {
      const at = new Date(ended).toISOString();
      lines.push(html`<li><time datetime="${at}">${timeOf(at, zone).slice(0, 5)}</time> it ended by itself</li>`);
    }
    lines.push(changeLine(entry, zone));
  });
  return lines;
}

function changeLine(entry: AnnouncementEntry, zone: string): Html {
  const time = timeOf(entry.at, zone).slice(0, 5);
  if (entry.action === 'off') return html`<li><time datetime="${entry.at}">${time}</time> <strong>${entry.by}</strong> turned it off</li>`;
  return html`<li>
    <time datetime="${entry.at}">${time}</time> <strong>${entry.by}</strong> turned it
    on${entry.endsAt === undefined ? '' : entry.endGiven ? `, to end at ${timeOf(entry.endsAt, zone).slice(0, 5)}` : ', until turned off'}:
    <q>${entry.text ?? ''}</q>
  </li>`;
}

/** The desk page's announcement section. */
export function announcementSection(view: AnnouncementView, zone: string, base: string, csrf: string): Html {
  return html`<section aria-labelledby="announcement-heading" id="announcement" tabindex="-1">
    <h2 id="announcement-heading">Announcement to callers</h2>
    ${
      view.current === null
        ? html`<p id="announcement-state" role="status">Off: callers go straight to the menu.</p>`
        : currentBlock(view.current, view, zone, base, csrf)
    }
    <details>
      <summary>${view.current === null ? 'Turn an announcement on' : 'Replace it with another'}</summary>
      ${announcementFormHtml(base, csrf, view.flow, view.maxHours)}
    </details>
    ${
      view.changes.length === 0
        ? ''
        : html`<h3>Today</h3>
            <ol class="announcement-log" id="announcement-log">
              ${changeLines(view.changes, zone, view.now)}
            </ol>`
    }
  </section>`;
}

/** The preview: the words, their listening time and when, with the confirmation that turns it on. */
export function previewHtml(base: string, csrf: string, form: AnnouncementForm, draft: Draft, zone: string, maxSeconds: number): Html {
  const from = draft.startsAt <= Date.now() ? 'now' : hhmm(draft.startsAt, zone);
  const until = draft.endGiven
    ? `${hhmm(draft.endsAt, zone)}, when it ends by itself`
    : `turned off (at the latest ${hhmm(draft.endsAt, zone)})`;
  return html`<section class="preview" aria-labelledby="preview-heading" id="preview">
    <h2 id="preview-heading">Preview</h2>
    <p>Callers will hear, right after the greeting:</p>
    <blockquote id="preview-words">${draft.text}</blockquote>
    <p id="preview-seconds">About <strong>${draft.seconds.toFixed(1)} seconds</strong> of listening (at most ${maxSeconds}).</p>
    <p>From ${from} until ${until}; callers ${THEN_WORDS[draft.then]}. A key skips it.</p>
    <form method="post" action="${base}/announcement/on">
      <input type="hidden" name="csrf" value="${csrf}" />
      ${(['wording', 'text', 'since', 'starts', 'ends', 'then'] as const).map(
        (name) => html`<input type="hidden" name="${name}" value="${form[name]}" />`,
      )}
      <p><strong>Every caller will hear this.</strong> Turn it on?</p>
      <p class="row-buttons">
        <button type="submit" id="confirm-on">Yes, turn it on</button>
        <a href="${base}#announcement">Cancel</a>
      </p>
    </form>
  </section>`;
}
