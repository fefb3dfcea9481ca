import { announcementLine, announcementProblems, timeAnnouncement } from '../../src/announcement/announcement-check';
import { DEFAULT_SPEECH } from '../../src/engine/understanding/speech';
import { loadFlows, type LoadedFlow } from '../../src/flows/load';
import type { FlowFile } from '../../src/flows/schema';
import { timeFlow } from '../../src/timing/time-flow';

const loaded = loadFlows('call-flows').find((f) => f.flow.id === 'portal-login')!;
const { timing } = timeFlow(loaded, { bsdNumber: '+18006052965', speech: DEFAULT_SPEECH, textMessages: true });
const flow = loaded.flow;

/** The flow with its announcement block changed as `change` says. */
function withAnnouncements(change: (a: NonNullable<FlowFile['announcements']>) => void): LoadedFlow['flow'] {
  const copy = structuredClone(flow);
  change(copy.announcements!);
  return copy;
}

test("the flow's saved wordings are sound, and the first prompt with an announcement keeps the prompt budget", () => {
  expect(announcementProblems(flow, timing)).toEqual([]);
  const times = timeAnnouncement(flow, timing)!;
  expect(times.firstPromptSeconds).toBeLessThanOrEqual(flow.budgets!.promptSeconds!);
  for (const seconds of Object.values(times.wordings)) expect(seconds).toBeLessThanOrEqual(flow.announcements!.maxSeconds);
  expect(announcementLine(times)).toMatch(/^With an announcement on \(at most 15 s\), the first prompt/);
});

test.each<[string, (a: NonNullable<FlowFile['announcements']>) => void, string]>([
  ['a digit', (a) => (a.wordings['portal-down']!.say = 'Call 555 0123 since {since}.'), 'Digits only'],
  [
    'a placeholder of another text',
    (a) => (a.wordings['portal-down']!.say = 'Down since {since}; ref {reference}.'),
    'unknown placeholder {reference}',
  ],
  [
    'too many words',
    (a) => (a.wordings['portal-down']!.say = `${'the portal is down '.repeat(12)}since {since}.`),
    'over announcements.maxSeconds',
  ],
  ['an until without its time', (a) => (a.until = 'later'), 'must say {time}'],
  ['a longest announcement past the prompt budget', (a) => (a.maxSeconds = 18), 'over budgets.promptSeconds'],
])('a wording with %s is a problem', (_what, change, message) => {
  const problems = announcementProblems(withAnnouncements(change), timing);
  expect(problems.map((p) => p.message).join('\n')).toContain(message);
});
