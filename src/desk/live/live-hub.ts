import type { Response } from 'express';
import type { Logger } from '../../common/log';
import { announcement, cardId, dialId, dialLine, transferCardHtml, transferList } from '../views/cards';
import { followUpId, followUpItem, followUpsId } from '../views/follow-up-lines';
import type { FlowRegistry } from '../../engine/registry';
import type { Desk } from '../desk';
import type { DeskMetrics } from '../outcomes/desk-metrics';
import type { LiveChannel } from '../desk-store';
import { parseMessage, type LiveMessage } from './live-messages';
import { outcomeChart } from '../views/outcome-chart';
import type { Callbacks } from '../../requests/callbacks/callbacks';
import { callbackId, callbackList, NO_CALLBACKS } from '../views/callback-list';
import type { SignIns } from '../sign-in/sign-in';

/**
 * How long messages for every page are gathered before they are written, one write per page: with many pages open
 * and many transfers a second, a write per message and page was most of the line's CPU (docs/performance.md);
 * well within the 2 s in which a transfer must reach the page.
 */
const GATHER_MS = 200;

/** After the callbacks could not be read, how long until the whole open list is read again. */
const CALLBACKS_RETRY_MS = 5000;

/**
 * Pages written to in one turn of the event loop; the next are written in the next turn, after the webhooks that
 * came meanwhile. Written all in one turn, 100 pages' writes held the webhooks about 6 ms five times a second: p99
 * at 250 calls/s 11.5 ms, against 6.8 ms written 10 a turn (docs/performance.md).
 */
const PAGES_PER_TURN = 10;

/** A page's write waiting its turn: bytes, or the end of its stream. */
interface Outgoing {
  page: Page;
  data: Buffer | 'end';
}

interface Page {
  res: Response;
  /** The sign-in it was opened with: the page closes when it ends. */
  session: string;
}

export interface HubDeps {
  desk: Desk;
  /** Where every instance's messages are heard (the hub publishes nothing itself). */
  store: Pick<LiveChannel, 'subscribe'>;
  signIns: SignIns;
  metrics: DeskMetrics;
  logger: Logger;
  flows: FlowRegistry;
  timeZone: string;
  /** False once the process is shutting down: open pages are closed, to reconnect to another instance. */
  accepting?: () => boolean;
  /** How often each page gets a comment line (proxies close silent connections) and its sign-in is checked. */
  heartbeatMs?: number;
  /** The callback queue, listed live beside the transfers. */
  callbacks?: Callbacks;
  /** Where the desk is, as the browser sees it (for the callback forms). */
  base?: string;
}

// Framed here, not by better-sse: it writes each event to each page apart (no gathered, once-encoded chunk), one timer a page.
/** One Server-Sent Events message; JSON has no raw line breaks, so its data is one line. */
const frameOf = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** What the page says of its updates: live, or not while this instance cannot reach the others. */
export const LIVE_TEXT = 'Live: new transfers appear here as they happen.';
export const NOT_LIVE_TEXT = 'Reconnecting — updates paused. Transfers that come meanwhile will appear when the connection is back.';
const statusOf = (live: boolean) => ({ live, text: live ? LIVE_TEXT : NOT_LIVE_TEXT });

/** A comment line: proxies close connections that stay silent. */
const STILL_HERE = Buffer.from(': still here\n\n');

/**
 * The desk pages open on this instance, each a Server-Sent Events stream. Every message any instance publishes
 * (src/desk/desk.ts) is rendered here once and written to each page: a transfer's card, a dial's outcome, the day's
 * counts. A page gets the whole day when it connects or reconnects, and again after this instance lost its
 * connection to the others, so that nothing missed meanwhile stays missing.
 */
export class LiveHub {
  private readonly pages = new Set<Page>();
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private readonly unsubscribe: () => void;
  /** Frames for every page, written together after GATHER_MS; the day's counts only as the latest. */
  private gathered: string[] = [];
  private latestOutcomes: Record<string, number> | undefined;
  private gatherTimer: NodeJS.Timeout | undefined;
  private callbacksTimer: NodeJS.Timeout | undefined;
  /** The callbacks that changed since the last gathering; 'all' when several may have without saying which. */
  private changedCallbacks: Set<string> | 'all' = new Set();
  /** The callbacks' updates, one after another: a later one never goes out before an earlier one. */
  private callbacksUpdates: Promise<void> = Promise.resolve();
  /** Writes waiting their turn, in order: a page gets what was written to it in the order it was written. */
  private outgoing: Outgoing[] = [];
  private turn: NodeJS.Immediate | undefined;
  /** Whether messages from the other instances reach this one (the store's subscription is up). */
  private subscribed = true;
  /** What the pages were last told: live or not. */
  private live = true;

  constructor(private readonly deps: HubDeps) {
    this.unsubscribe = deps.store.subscribe({
      message: (text) => this.deliver(parseMessage(text)),
      resync: () => void this.resync(),
      connection: (up) => {
        this.subscribed = up;
        this.updateStatus();
      },
    });
  }

  /**
   * Live while this instance hears the other instances and the store takes its desk events; not live while either
   * fails (the page says so rather than "Live" over a list that misses transfers), and live again once what was kept
   * meanwhile is written (Desk.backlog) and the subscription is back.
   */
  get isLive(): boolean {
    return this.subscribed && this.deps.desk.backlog === 0;
  }

  /** Tells every page when live turns to not live or back. Checked on each change of the subscription and each second. */
  private updateStatus(): void {
    const live = this.isLive;
    if (live === this.live) return;
    this.live = live;
    this.deps.logger.info({ desk: 'live', live }, live ? 'desk: pages live again' : 'desk: pages not live (updates paused)');
    this.write([...this.pages], 'status', statusOf(live));
  }

  get size(): number {
    return this.pages.size;
  }

  /** Opens a page's stream: the day as it is now, then every message as it comes. */
  async open(res: Response, session: string): Promise<void> {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      // Nginx and others buffer a response unless told not to: the page would see transfers late.
      'X-Accel-Buffering': 'no',
    });
    const page: Page = { res, session };
    this.pages.add(page);
    this.deps.metrics.livePages(this.pages.size);
    res.on('close', () => {
      this.pages.delete(page);
      this.deps.metrics.livePages(this.pages.size);
      if (this.pages.size === 0) this.stopTimer();
    });
    // Reconnect after 2 s when the connection drops (the browser's default is 3 s).
    res.write('retry: 2000\n\n');
    // Whether it is live, first: the page says "Live" only when it is.
    this.updateStatus();
    res.write(frameOf('status', statusOf(this.live)));
    this.startTimer();
    try {
      this.write([page], 'snapshot', await this.snapshot());
    } catch (error) {
      this.deps.logger.warn({ desk: 'snapshot', error: (error as Error).message }, 'desk: the day could not be read');
    }
  }

  private async snapshot(): Promise<Record<string, string>> {
    const day = await this.deps.desk.day();
    const snapshot: Record<string, string> = {
      list: transferList(day.cards, this.deps.timeZone, this.deps.flows).text,
      chart: outcomeChart(day.counts).text,
    };
    if (this.deps.callbacks !== undefined) snapshot.callbacks = await this.callbackHtml();
    return snapshot;
  }

  private async callbackHtml(): Promise<string> {
    return callbackList(await this.deps.callbacks!.open(), this.deps.base ?? '/desk', this.deps.timeZone).text;
  }

  /**
   * Callbacks changed somewhere: every page here gets each changed callback's card, or its removal, with the
   * gathered messages; after an expiry, the whole open list. Sending the whole list at each change made it, with a
   * few hundred callbacks waiting and 100 pages open, most of what the line wrote (docs/performance.md).
   */
  private async callbacksChanged(): Promise<void> {
    const changed = this.changedCallbacks;
    this.changedCallbacks = new Set();
    const { callbacks } = this.deps;
    if (this.pages.size === 0 || callbacks === undefined) return;
    try {
      if (changed === 'all') {
        this.write([...this.pages], 'callbacks', { html: await this.callbackHtml() });
        return;
      }
      const found = await Promise.all([...changed].map(async (id) => ({ id, record: await callbacks.get(id) })));
      for (const { id, record } of found) {
        const waiting = record !== null && (record.status === 'open' || record.status === 'claimed');
        this.broadcast('callback', {
          id: callbackId(id),
          html: waiting ? callbackList([record], this.deps.base ?? '/desk', this.deps.timeZone).text : null,
          empty: NO_CALLBACKS.text,
        });
      }
    } catch (error) {
      this.deps.logger.warn({ desk: 'callbacks', error: (error as Error).message }, 'desk: the callbacks could not be read');
      // A change not sent would stay wrong on the pages: the whole list goes once it can be read.
      this.changedCallbacks = 'all';
      this.scheduleCallbacks(CALLBACKS_RETRY_MS);
    }
  }

  /** The callbacks' update after `ms`, unless one is due already. */
  private scheduleCallbacks(ms: number): void {
    if (this.callbacksTimer !== undefined) return;
    this.callbacksTimer = setTimeout(() => {
      this.callbacksTimer = undefined;
      this.callbacksUpdates = this.callbacksUpdates.then(() => this.callbacksChanged());
    }, ms);
    this.callbacksTimer.unref();
  }

  private async resync(): Promise<void> {
    if (this.pages.size === 0) return;
    try {
      this.write([...this.pages], 'snapshot', await this.snapshot());
    } catch (error) {
      this.deps.logger.warn({ desk: 'snapshot', error: (error as Error).message }, 'desk: the day could not be read');
    }
  }

  private deliver(message: LiveMessage | null): void {
    if (message === null) return;
    const { timeZone } = this.deps;
    switch (message.type) {
      case 'transfer': {
        const card = { ...message.card, attempt: message.attempt ?? message.card.attempt };
        this.broadcast('transfer', {
          id: cardId(card.callSid),
          html: transferCardHtml(card, timeZone, this.deps.flows).text,
          announce: announcement(card),
        });
        return;
      }
      case 'dial':
        // Only the dial's outcome changes: the attempt count beside it stays on the page.
        this.broadcast('dial', {
          id: dialId(message.callSid),
          html: dialLine({ callSid: message.callSid, dial: message.dial }, timeZone).text,
        });
        return;
      case 'follow-up':
        // One line of the card's follow-ups, added or replaced.
        this.broadcast('follow-up', {
          list: followUpsId(message.callSid),
          id: followUpId(message.callSid, message.followUp.id),
          html: followUpItem(message.callSid, message.followUp, timeZone).text,
        });
        return;
      case 'outcomes':
        if (message.day === this.deps.desk.today() && this.pages.size > 0) this.latestOutcomes = message.counts;
        this.gather();
        return;
      case 'signed-out':
        for (const page of this.pages) if (page.session === message.session) this.close(page, true);
        return;
      case 'callbacks':
        if (this.pages.size === 0) return;
        if (message.id === undefined) this.changedCallbacks = 'all';
        else if (this.changedCallbacks !== 'all') this.changedCallbacks.add(message.id);
        // Read and drawn once a gathering, however often each changed meanwhile.
        this.scheduleCallbacks(GATHER_MS);
        return;
      case 'announcement':
        this.broadcast('announcement', { text: `${message.by} turned the announcement to callers ${message.action}.` });
        return;
    }
  }

  private write(pages: Page[], event: string, data: unknown): void {
    if (pages.length === 0) return;
    this.flush();
    this.send(pages, Buffer.from(frameOf(event, data)));
  }

  /** Queues the same bytes for each page, encoded once (as UTF-8 for each page, it was most of a flush's time). */
  private send(pages: Iterable<Page>, data: Buffer | 'end'): void {
    for (const page of pages) this.outgoing.push({ page, data });
    this.turn ??= setImmediate(() => this.writeSome());
  }

  /** Writes PAGES_PER_TURN of the waiting writes; the rest wait for the next turn. */
  private writeSome(count = PAGES_PER_TURN): void {
    this.turn = undefined;
    const now = this.outgoing.splice(0, count);
    for (const { page, data } of now) {
      // A page whose browser went, or that was closed, takes nothing more.
      if (page.res.destroyed || page.res.writableEnded) continue;
      if (data === 'end') page.res.end();
      else page.res.write(data);
    }
    if (this.outgoing.length > 0) this.turn = setImmediate(() => this.writeSome());
  }

  /** A message for every page: gathered, and written with the others after GATHER_MS. */
  private broadcast(event: string, data: unknown): void {
    if (this.pages.size === 0) return;
    this.gathered.push(frameOf(event, data));
    this.gather();
  }

  private gather(): void {
    if (this.gatherTimer !== undefined || (this.gathered.length === 0 && this.latestOutcomes === undefined)) return;
    this.gatherTimer = setTimeout(() => this.flush(), GATHER_MS);
    this.gatherTimer.unref();
  }

  /** Writes what was gathered, in order, the latest counts last: one write per page. */
  private flush(): void {
    clearTimeout(this.gatherTimer);
    this.gatherTimer = undefined;
    // The chart is drawn once a gathering, from the latest counts.
    if (this.latestOutcomes !== undefined) this.gathered.push(frameOf('outcomes', { html: outcomeChart(this.latestOutcomes).text }));
    this.latestOutcomes = undefined;
    if (this.gathered.length === 0) return;
    const chunk = Buffer.from(this.gathered.join(''));
    this.gathered = [];
    this.send(this.pages, chunk);
  }

  private close(page: Page, signedOut: boolean): void {
    if (signedOut) this.write([page], 'signed-out', {});
    // After what the page still has to be written.
    this.send([page], 'end');
    this.pages.delete(page);
  }

  private startTimer(): void {
    if (this.timer !== undefined) return;
    const heartbeatTicks = Math.max(1, Math.round((this.deps.heartbeatMs ?? 10_000) / 1000));
    this.timer = setInterval(() => {
      // A process shutting down closes its pages: their browsers reconnect, through the balancer, to another.
      if (this.deps.accepting !== undefined && !this.deps.accepting()) {
        for (const page of [...this.pages]) this.close(page, false);
        return;
      }
      this.updateStatus();
      if (++this.ticks % heartbeatTicks === 0) void this.heartbeat();
    }, 1000);
    this.timer.unref();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async heartbeat(): Promise<void> {
    const sessions = new Map<string, boolean>();
    this.send(this.pages, STILL_HERE);
    for (const page of [...this.pages]) {
      try {
        if (!sessions.has(page.session)) sessions.set(page.session, await this.deps.signIns.holds(page.session));
        if (!sessions.get(page.session)) this.close(page, true);
      } catch {
        // The store does not answer: keep the page; the next heartbeat checks again.
      }
    }
  }

  stop(): void {
    clearTimeout(this.callbacksTimer);
    this.unsubscribe();
    this.flush();
    this.stopTimer();
    for (const page of [...this.pages]) this.close(page, false);
    // The process is going: what is left is written now.
    clearImmediate(this.turn);
    this.writeSome(this.outgoing.length);
  }
}
