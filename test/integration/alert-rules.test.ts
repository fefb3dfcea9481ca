import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { startLine } from '../helpers/line';
import { deskUsers } from '../helpers/desk';

/**
 * The alert rules (infra/prometheus): promtool accepts them and their unit tests pass; the example configuration
 * is valid, its Kubernetes variant too; and every metric, label and value the rules read is one the line exposes,
 * so that a metric renamed in the code breaks this test rather than silence an alert.
 */
const DIR = 'infra/prometheus';
const RULES = `${DIR}/portal-line.rules.yml`;
const TESTS = `${DIR}/portal-line.rules.test.yml`;

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { encoding: 'utf8' });
  if (run.error !== undefined) {
    throw new Error(`promtool is needed for this test and could not be run (${run.error.message}): apt-get install -y prometheus`);
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

test('promtool checks the rules and runs their unit tests', () => {
  expect(promtool('check', 'rules', RULES)).toEqual({ status: 0, output: expect.stringContaining(`SUCCESS: ${rules.length} rules found`) });
  const tested = promtool('test', 'rules', TESTS);
  expect(tested).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
});

test('every alert has a unit test that fires it and one that does not', () => {
  const tests = (parse(readFileSync(TESTS, 'utf8')) as { tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[] })
    .tests;
  const cases = tests.flatMap((t) => t.alert_rule_test);
  for (const { alert } of rules) {
    const mine = cases.filter((c) => c.alertname === alert);
    expect({ alert, fires: mine.some((c) => c.exp_alerts.length > 0), quiet: mine.some((c) => c.exp_alerts.length === 0) }).toEqual({
      alert,
      fires: true,
      quiet: true,
    });
  }
});

test('every alert says how bad, what callers experience, and links its section of docs/operations.md', () => {
  const headings = new Set(
    readFileSync('docs/operations.md', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .map((l) =>
        l
          .replace(/^#+\s*/, '')
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      ),
  );
  expect(headings).toContain('alerts');
  for (const rule of rules) {
    expect(rule.alert).toMatch(/^PortalLine[A-Z]\w+$/);
    expect(['critical', 'warning']).toContain(rule.labels.severity);
    expect(Object.keys(rule.annotations).sort()).toEqual(['description', 'runbook_url', 'summary']);
    expect(rule.annotations.description).toMatch(/\b(callers?|agents)\b/i);
    expect(rule.annotations.runbook_url).toBe(`docs/operations.md#${rule.alert.toLowerCase()}`);
    expect(headings).toContain(rule.alert.toLowerCase());
  }
});

test('the example configuration is valid, with its Kubernetes job in place of the static one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portal-line-prometheus-'));
  try {
    cpSync(DIR, dir, { recursive: true });
    const token = join(dir, 'metrics_token');
    writeFileSync(token, 'a-metrics-token-0123456789');
    const config = readFileSync(join(dir, 'prometheus.yml'), 'utf8').replaceAll('/tmp/metrics_token', token);
    writeFileSync(join(dir, 'prometheus.yml'), config);
    expect(promtool('check', 'config', join(dir, 'prometheus.yml'))).toEqual({
      status: 0,
      output: expect.stringContaining('SUCCESS: 1 rule files found'),
    });
    const scrape = parse(config) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    expect(scrape.scrape_configs.map((j) => j.job_name)).toEqual(['portal-line']);
    // The commented job, uncommented, in place of the static one.
    const lines = config.split('\n');
    const from = lines.findIndex((l) => l.startsWith('  # - job_name: portal-line'));
    const kubernetes = lines
      .slice(from)
      .filter((l) => l.startsWith('  # '))
      .map((l) => l.replace(/^ {2}# /, '  '))
      .join('\n')
      .replace(/credentials_file: \S+ \}/, `credentials_file: ${token} }`);
    const head = config.slice(0, config.indexOf('  - job_name: portal-line'));
    expect(parse(kubernetes)).toEqual([expect.objectContaining({ job_name: 'portal-line', kubernetes_sd_configs: [{ role: 'pod' }] })]);
    // Debian's promtool is built without Kubernetes discovery: the job is checked with a static target in its place
    // (its relabelling and authorization as written), and its relabelling reads the annotations the pods carry.
    writeFileSync(
      join(dir, 'kubernetes.yml'),
      `${head}${kubernetes.replace('kubernetes_sd_configs: [{ role: pod }]', 'static_configs: [{ targets: ["10.0.0.1:3000"] }]')}\n`,
    );
    expect(promtool('check', 'config', join(dir, 'kubernetes.yml'))).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
    const pods = parseAllDocuments(readFileSync('infra/k8s/portal-line.yaml', 'utf8'))
      .map((d) => d.toJS() as { kind: string; spec: { template: { metadata: { annotations: Record<string, string> } } } })
      .find((m) => m.kind === 'Deployment')!.spec.template.metadata.annotations;
    for (const name of ['scrape', 'port', 'path']) {
      expect(pods[`prometheus.io/${name}`]).toBeDefined();
      expect(kubernetes).toContain(`__meta_kubernetes_pod_annotation_prometheus_io_${name}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Each sample's name and labels in an exposition text. */
function samples(text: string): { name: string; labels: Record<string, string> }[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [, name, body] = /^(\w+)(?:\{(.*)\})? /.exec(l)!;
      const labels = Object.fromEntries([...(body ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { name: name!, labels };
    });
}

/** The selectors of a PromQL expression: each metric name and its matchers. */
function selectors(expr: string): { name: string; matchers: { label: string; op: string; value: string }[] }[] {
  return [...expr.matchAll(/\b(portal_line_\w+|up)\b(?:\{([^}]*)\})?/g)].map((m) => ({
    name: m[1]!,
    matchers: [...(m[2] ?? '').matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)].map((x) => ({ label: x[1]!, op: x[2]!, value: x[3]! })),
  }));
}

test("every metric, label and value the rules read is on the line's /metrics (desk page and text messages on)", async () => {
  const line = await startLine('memory', {
    DESK_USERS: await deskUsers(),
    TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
    TWILIO_MESSAGING_FROM: '+15555550100',
  });
  try {
    const text = await line.metrics();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, output: `${check.stdout}${check.stderr}` }).toEqual({ status: 0, output: '' });
    const exposed = samples(text);
    // Where a webhook's outcome is decided: its values appear there as written.
    const code = ['src/turn/call-turns.ts', 'src/turn/decide.ts', 'src/http/voice-routes.ts']
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const read = rules.flatMap((r) => selectors(r.expr).map((s) => ({ alert: r.alert, ...s })));
    expect(read.length).toBeGreaterThan(rules.length);
    for (const { alert, name, matchers } of read) {
      // up is Prometheus's own; job and instance are the labels it adds to every sample it scrapes.
      if (name === 'up') continue;
      const family = exposed.filter((s) => s.name === name);
      expect({ alert, name, exposed: family.length > 0 }).toEqual({ alert, name, exposed: true });
      for (const { label, op, value } of matchers) {
        if (label === 'job' || label === 'instance') continue;
        const values = new Set(family.map((s) => s.labels[label]).filter((v) => v !== undefined));
        expect({ alert, name, label, labelled: values.size > 0 }).toEqual({ alert, name, label, labelled: true });
        if (op === '!=' || op === '!~') continue;
        for (const wanted of value.split('|')) {
          const known =
            values.has(wanted) || (name === 'portal_line_webhooks_total' && label === 'outcome' && code.includes(`'${wanted}'`));
          expect({ alert, name, label, value: wanted, known }).toEqual({ alert, name, label, value: wanted, known: true });
        }
      }
    }
  } finally {
    await line.close();
  }
});
