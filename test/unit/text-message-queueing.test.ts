import { createLogger } from '../../src/common/log';
import { Metrics } from '../../src/common/metrics';
import { FlowRegistry } from '../../src/engine/registry';
import { MemoryTextCaps } from '../../src/backend/memory/text-caps';
import { MemoryMessageCalls } from '../../src/backend/memory/message-calls';
import { MemoryMessageLimits, MemoryMessageQueue } from '../../src/backend/memory/message-queue';
import type { MessageJob, MessageQueue, Send } from '../../src/requests/texts/message-queue';
import { TextMessages } from '../../src/requests/texts/text-messages';
import type { CallerRequest } from '../../src/turn/requests';
import type { FollowUp } from '../../src/turn/call-observer';
import { textLimitsConformance } from '../helpers/text-limits-conformance';

/**
 * A text is counted only when its job is kept, and a job kept after the caller was told it failed is never sent: the
 * queue here keeps jobs when told to, as a paused Redis would answer late.
 */

const flows = FlowRegistry.fromDir('call-flows', 'portal-login');
const CALLER = '+12045550123';

/** A memory queue whose `add` waits until `release` (then keeps the job, as a late Redis would). */
class LateQueue implements MessageQueue {
  private readonly inner = new MemoryMessageQueue(10);
  private waiting: (() => void)[] = [];
  late = false;

  add(job: MessageJob): Promise<void> {
    if (!this.late) return this.inner.add(job);
    return new Promise((resolve) => this.waiting.push(() => void this.inner.add(job).then(resolve)));
  }

  release(): void {
    for (const go of this.waiting.splice(0)) go();
  }

  start(send: Send): void {
    this.inner.start(send);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function setUp(queueTimeoutMs = 200) {
  const queue = new LateQueue();
  const limits = new MemoryMessageLimits();
  const sent: MessageJob[] = [];
  const told: FollowUp[] = [];
  const metrics = new Metrics();
  const messages = new TextMessages({
    queue,
    limits,
    flows,
    metrics,
    logger: createLogger('silent'),
    bsdNumber: '+18006052965',
    hours: 'any day, at any time',
    dailyLimit: 1,
    zone: 'UTC',
    rules: { countries: new Set(['US', 'CA']), own: [] },
    caps: new MemoryTextCaps(),
    hourlyLimit: 100,
    prefixHourlyLimit: 100,
    calls: new MemoryMessageCalls(),
    queueTimeoutMs,
    tell: (f) => told.push(f),
    send: (job) => (sent.push(job), Promise.resolve(`SM${'1'.repeat(32)}`)),
  });
  messages.start();
  return { queue, limits, sent, told, messages, metrics };
}

let n = 0;
function request(): CallerRequest {
  const callSid = `CA${(n++).toString(16).padStart(32, '0')}`;
  return {
    callSid,
    from: CALLER,
    reference: '123456',
    flowId: 'portal-login',
    reason: 'r',
    attempt: 'a',
    told: [],
    pending: { kind: 'text', what: 'desk' },
  };
}
const desk = { kind: 'text', what: 'desk' } as const;
const settle = () => new Promise((r) => setTimeout(r, 100));

test('the queue keeps the job too late: failed, the count given back, and the job kept late is not sent', async () => {
  const { queue, sent, messages } = setUp(100);
  queue.late = true;
  const asked = request();
  expect(await messages.queue(asked, desk)).toBe('failed');
  queue.release();
  await settle();
  expect(sent).toEqual([]);
  // The day's one message was not used up: the same number's next call gets it.
  queue.late = false;
  expect(await messages.queue({ ...request(), from: CALLER }, desk)).toBe('queued');
  await settle();
  expect(sent).toHaveLength(1);
  await messages.close();
});

test('the turn gives up waiting while the job is being kept: failed, and not sent', async () => {
  const { queue, sent, messages, told } = setUp(5000);
  queue.late = true;
  const asked = request();
  const abandoned = new AbortController();
  const outcome = messages.queue(asked, desk, abandoned.signal);
  await settle();
  abandoned.abort();
  queue.release();
  expect(await outcome).toBe('failed');
  await settle();
  expect(sent).toEqual([]);
  expect(told.filter((f) => f.state === 'sent')).toEqual([]);
  await messages.close();
});

test('asked again after a failure in the same call: queued once, sent once', async () => {
  const { queue, sent, messages } = setUp(100);
  queue.late = true;
  const asked = request();
  expect(await messages.queue(asked, desk)).toBe('failed');
  queue.release();
  queue.late = false;
  expect(await messages.queue(asked, desk)).toBe('queued');
  expect(await messages.queue(asked, desk)).toBe('already');
  await settle();
  expect(sent).toHaveLength(1);
  await messages.close();
});

test('asked again after the late job was withdrawn: queued anew, and sent', async () => {
  const { queue, sent, messages } = setUp(100);
  queue.late = true;
  const asked = request();
  expect(await messages.queue(asked, desk)).toBe('failed');
  // The job lands late, is found given back, and is withdrawn unsent.
  queue.release();
  await settle();
  expect(sent).toHaveLength(0);
  queue.late = false;
  expect(await messages.queue(asked, desk)).toBe('queued');
  await settle();
  expect(sent).toHaveLength(1);
  await messages.close();
});

textLimitsConformance('memory', () => ({ limits: new MemoryMessageLimits(), caps: new MemoryTextCaps(), close: async () => {} }));
