import { referenceFor } from '../../src/engine/step';
import { simulatedCallSid } from '../../src/simulator/caller';
import { CLOSED_DESK, TEXTS_ON } from '../../src/simulator/demo-settings';
import { forReading } from '../../src/desk/views/cards';
import { DeskAgent, deskUsers, eventually } from '../helpers/desk';
import { portalLogin } from '../helpers/flows';
import { heard, startLine, type StoreKind, type TestLine } from '../helpers/line';

/**
 * Calls that meet the closed desk: counted on the desk page's day and on /metrics by what the caller did then, the
 * reason they needed the desk kept with the call, and "end the call" ending with the desk's number and the reference.
 */

const FLOW = portalLogin().flow;
const reasonOf = (node: string) => (FLOW.nodes[node] as { reason: string }).reason;

describe.each<StoreKind>(['redis', 'memory'])('the closed desk on the %s store', (kind) => {
  let line: TestLine;
  beforeEach(async () => {
    const started = Date.now();
    const now = () => new Date(CLOSED_DESK.now.getTime() + (Date.now() - started));
    line = await startLine(kind, { DESK_USERS: await deskUsers(), ...CLOSED_DESK.env, ...TEXTS_ON.env }, undefined, { now });
  });
  afterEach(async () => {
    await line.close();
  });

  test('each call is counted with its outcome: callback, text, ended; on the page, as JSON and on /metrics', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    const callback = await line.call('0,3,1', simulatedCallSid('closed-callback'));
    const text = await line.call('1,1,8', simulatedCallSid('closed-text'));
    const ended = await line.call('0,2,hangup', simulatedCallSid('closed-ended'));
    const hungUp = await line.call('0,hangup', simulatedCallSid('closed-hung-up'));
    // Back to the menu from the closed desk, and solved there: solved.
    const solved = await line.call('0,9,2,1', simulatedCallSid('closed-then-solved'));
    for (const call of [callback, text, ended, hungUp, solved]) expect(call.errors).toEqual([]);
    expect(heard(callback)).toContain('The desk will call you back');
    expect(heard(text)).toContain("I'll text the desk's number and hours");
    const { counts } = await eventually(async () => {
      const body = (await agent.get('/desk/api/outcomes')).body as { counts: Record<string, number> };
      return Object.values(body.counts).reduce((a, b) => a + b, 0) === 5 ? body : undefined;
    });
    expect(counts).toEqual({ 'closed-callback': 1, 'closed-text': 1, 'closed-ended': 2, solved: 1 });
    const page = (await agent.get('/desk')).text;
    expect(page).not.toContain('No calls counted yet today');
    expect(page).toContain('5 calls today; 0 transferred to the desk; 4 while it was closed.');
    expect(page).toContain('Desk closed: callback booked: 1.');
    expect(page).toContain('Desk closed: desk&#39;s details texted: 1.');
    expect(page).toContain('Desk closed: no follow-up: 2.');
    const metrics = await line.metrics();
    expect(metrics).toContain('portal_line_call_outcomes_total{outcome="closed-callback",reason="_bsd_request"} 1\n');
    expect(metrics).toContain('portal_line_call_outcomes_total{outcome="closed-text",reason="username-ticket"} 1\n');
    expect(metrics).toContain('portal_line_call_outcomes_total{outcome="closed-ended",reason="_bsd_request"} 2\n');
  });

  test('a call that met the closed desk long before it ended (more steps since than its path keeps) is still counted', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    // The closed desk, back to the menu, then 30 repeats of it: the path keeps only the last steps.
    const long = await line.call(['0', '9', ...Array<string>(30).fill('*'), 'hangup'].join(','), simulatedCallSid('closed-long'));
    expect(long.errors).toEqual([]);
    const { counts } = await eventually(async () => {
      const body = (await agent.get('/desk/api/outcomes')).body as { counts: Record<string, number> };
      return Object.keys(body.counts).length > 0 ? body : undefined;
    });
    expect(counts).toEqual({ 'closed-ended': 1 });
  });

  test('the reason the caller needed the desk is kept with the call: the search shows it, and that the desk was closed', async () => {
    const agent = new DeskAgent(line.app);
    await agent.signIn();
    const sid = simulatedCallSid('closed-reason');
    const call = await line.call('1,1,2,hangup', sid); // username, yes: a ticket to log; the desk is closed; end
    expect(call.errors).toEqual([]);
    const reference = referenceFor(sid);
    const page = await eventually(async () => {
      const text = (await agent.get(`/desk?reference=${reference}`)).text;
      return text.includes('Ended ') ? text : undefined;
    });
    expect(page).toMatch(/<dt>Transfer<\/dt>\s*<dd>username ticket \(the desk was closed\)<\/dd>/);
    // The call's summary keeps it, as the agent would have heard it.
    const found = (await agent.get(`/desk/api/calls?reference=${reference}`)).body as { calls: { summary: { reason?: string } | null }[] };
    expect(found.calls[0]!.summary).toMatchObject({ transfer: 'username-ticket', reason: reasonOf('username-ticket') });
    expect(page).toMatch(new RegExp(`<dt>Reason</dt>\\s*<dd>${forReading(reasonOf('username-ticket')).replace(/[.]/g, '\\.')}</dd>`));
  });

  test('"end the call" ends with the desk\'s number and the reference, as the end after a failed dial does', async () => {
    const sid = simulatedCallSid('closed-end');
    const call = await line.call('0,2,_', sid);
    expect(call.errors).toEqual([]);
    const said = heard(call).split('\n');
    const reference = referenceFor(sid);
    const spoken = `${reference.slice(0, 3).split('').join(' ')}, ${reference.slice(3).split('').join(' ')}`;
    expect(said.at(-3)).toContain('It opens Monday at 8 a.m. Eastern.');
    expect(said.at(-2)).toContain('Please call the Business Support Desk at 1, 8 0 0');
    expect(said.at(-2)).toContain(`give them your reference number, ${spoken}.`);
    expect(said.at(-1)).toBe('Thank you for calling. Goodbye.');
  });
});
