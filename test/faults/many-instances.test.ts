import { fetchTransport, formatTranscript, parseSteps, placeCall, scripted, simulatedCallSid } from '../../src/simulator/caller';
import { AUTH_TOKEN, postWebhook, startLineProcess, type LineProcess } from '../helpers/processes';
import { startRedis, type RedisProcess } from '../helpers/redis-server';
import { Redis } from 'ioredis';
import { localAnnouncement } from '../../src/announcement/announcement';
import { RedisAnnouncementStore } from '../../src/backend/redis/announcement-store';
import { announcementOf, asDocumented, documentedCall, documentedCallFiles, TRANSCRIPT_WIDTH } from '../helpers/transcripts';

/**
 * Two line processes share one Redis behind one public URL; each call's webhooks alternate between them. Every
 * documented call gives the same transcript as one process gives (docs/transcripts).
 */
jest.setTimeout(90_000);
const PUBLIC = 'https://line.example.test';

let redis: RedisProcess;
let client: Redis;
let announcements: RedisAnnouncementStore;
let lines: LineProcess[];
beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  announcements = new RedisAnnouncementStore(client, 'portal-line');
  lines = await Promise.all([0, 1].map(() => startLineProcess({ REDIS_URL: redis.url, PUBLIC_BASE_URL: PUBLIC })));
});

/** Until a new call to each process starts with `words` (or, undefined, with no announcement). */
async function eachHears(words: string | undefined): Promise<void> {
  const deadline = Date.now() + 3000;
  for (let n = 0; ; n++) {
    const heard = await Promise.all(
      lines.map(async (line) => {
        const params = { CallSid: simulatedCallSid(`probe-${Date.now()}-${n}-${line.port}`) };
        const res = await postWebhook(line, PUBLIC, '/voice', params);
        return (await res.text()).includes('/voice/announced');
      }),
    );
    if (heard.every((h) => h === (words !== undefined))) return;
    if (Date.now() > deadline) throw new Error('the processes do not agree on the announcement');
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterAll(async () => {
  await announcements?.close();
  client?.disconnect();
  for (const line of lines ?? []) await line.stop();
  await redis?.stop();
});

// A call with --closed needs the line's clock set on a Friday evening, which only a line in the test's process has.
const inProcessOnly = (file: string) => / --closed\b/.test(documentedCall(file).command);
test.each(documentedCallFiles().filter((f) => !inProcessOnly(f)))('%s, alternating between two processes', async (file) => {
  const { command, keys, body } = documentedCall(file);
  // A CallSid of its own (an ended call stays ended); the transcript is read with the documented call's reference.
  const sid = simulatedCallSid(`portal-line-demo-${file}`);
  // The desk's announcement, where the call hears one: put on as the desk does, heard by both processes.
  const announced = announcementOf(command);
  if (announced !== undefined) await announcements.put(localAnnouncement(announced.text, announced.then));
  await eachHears(announced?.text);
  let next = 0;
  const served: number[] = [];
  const transport = fetchTransport((url) => {
    const which = next++ % lines.length;
    served.push(which);
    return url.replace(PUBLIC, `http://127.0.0.1:${lines[which]!.port}`);
  });
  const result = await placeCall({
    baseUrl: PUBLIC,
    authToken: AUTH_TOKEN,
    transport,
    next: scripted(parseSteps(keys)),
    callSid: sid,
  });
  if (announced !== undefined) await announcements.clear();
  expect(result.errors).toEqual([]);
  expect(asDocumented(formatTranscript(result.transcript, TRANSCRIPT_WIDTH), sid)).toBe(body);
  expect(new Set(served)).toEqual(new Set([0, 1]));
});
