import { Redis } from 'ioredis';
import { localAnnouncement } from '../../src/announcement/announcement';
import { postWebhook, startLineProcess, type LineProcess } from '../helpers/processes';
import { startRedis, type RedisProcess } from '../helpers/redis-server';

/**
 * The announcement when its messages do not arrive: two line processes on one private Redis. A change whose message
 * never came (written without one, or while the listening connections were cut) still reaches every instance, by the
 * re-read each does every second; and an announcement ends at its time on an instance that hears nothing.
 */
jest.setTimeout(60_000);
const PUBLIC = 'https://line.example.test';
const PREFIX = 'faults-announcement';
const WORDS = 'We know that the Customer Portal has not let anyone log in since 9 a.m.';

let redis: RedisProcess;
let client: Redis;
let a: LineProcess;
let b: LineProcess;
beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  const env = { REDIS_URL: redis.url, PUBLIC_BASE_URL: PUBLIC, REDIS_KEY_PREFIX: PREFIX };
  [a, b] = await Promise.all([startLineProcess(env), startLineProcess(env)]);
});
afterAll(async () => {
  client?.disconnect();
  await a?.stop();
  await b?.stop();
  await redis?.stop();
});

let n = 0;
/** The TwiML a new call to `line` starts with. */
async function firstTwiml(line: LineProcess): Promise<string> {
  const params = { CallSid: `CA${Date.now().toString(16).padStart(16, '0')}${(n++).toString(16).padStart(16, '0')}`, From: '+15555550142' };
  const res = await postWebhook(line, PUBLIC, '/voice', params);
  expect(res.status).toBe(200);
  return res.text();
}

/** Milliseconds until every new call to both instances hears (or no longer hears) the words; fails after 3 s. */
async function untilBoth(hear: boolean): Promise<number> {
  const started = Date.now();
  for (;;) {
    const [one, two] = await Promise.all([firstTwiml(a), firstTwiml(b)]);
    if (one.includes(WORDS) === hear && two.includes(WORDS) === hear) return Date.now() - started;
    if (Date.now() - started > 3000) throw new Error(`the instances still ${hear ? 'do not hear' : 'hear'} it`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('written without its message, every instance speaks it within the re-read, and stops when it is gone', async () => {
  const announcement = localAnnouncement(WORDS);
  await client.set(`${PREFIX}:announcement`, JSON.stringify(announcement), 'PX', 120_000);
  expect(await untilBoth(true)).toBeLessThan(1500);
  await client.del(`${PREFIX}:announcement`);
  expect(await untilBoth(false)).toBeLessThan(1500);
});

test("with the listening connections cut, a change made meanwhile still arrives, and one ends at its time by each instance's clock", async () => {
  await client.client('KILL', 'TYPE', 'pubsub');
  const soon = Date.now();
  const announcement = { ...localAnnouncement(WORDS), startsAt: soon, endsAt: soon + 2500 };
  // As the desk writes it: kept, then told (the message may reach nobody).
  await client.set(`${PREFIX}:announcement`, JSON.stringify(announcement), 'PX', 120_000);
  await client.publish(`${PREFIX}:announcement:changes`, JSON.stringify(announcement));
  expect(await untilBoth(true)).toBeLessThan(1500);
  // The key outlives the end by a minute: each instance ends it by its own clock.
  await new Promise((r) => setTimeout(r, Math.max(0, announcement.endsAt - Date.now())));
  expect(await untilBoth(false)).toBeLessThan(100);
  expect(await client.exists(`${PREFIX}:announcement`)).toBe(1);
});
