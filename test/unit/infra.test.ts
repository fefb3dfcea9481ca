import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { ENV_NAMES, loadConfig } from '../../src/common/config';

/** The deployment files parse, and agree with the line: probe paths, ports, the variables it reads. */
const manifests = parseAllDocuments(readFileSync('infra/k8s/portal-line.yaml', 'utf8')).map((d) => d.toJS() as Record<string, any>);
const byKind = (kind: string) => manifests.find((m) => m.kind === kind)!;

test('Kubernetes: a Deployment with readiness on /readyz and liveness on /healthz, graceful termination, HPA, PDB, config and secret', () => {
  expect(manifests.map((m) => m.kind).sort()).toEqual([
    'ConfigMap',
    'Deployment',
    'HorizontalPodAutoscaler',
    'PodDisruptionBudget',
    'Secret',
    'Service',
  ]);
  const pod = byKind('Deployment').spec.template.spec;
  const container = pod.containers[0];
  expect(container.readinessProbe.httpGet.path).toBe('/readyz');
  expect(container.livenessProbe.httpGet.path).toBe('/healthz');
  expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(byKind('ConfigMap').data.SHUTDOWN_DRAIN_SECONDS) + 15);
  expect(pod.securityContext.runAsNonRoot).toBe(true);
  expect(container.envFrom.map((e: Record<string, { name: string }>) => Object.values(e)[0]!.name)).toEqual(['portal-line', 'portal-line']);
  expect(byKind('HorizontalPodAutoscaler').spec.scaleTargetRef.name).toBe('portal-line');
  expect(byKind('PodDisruptionBudget').spec.minAvailable).toBeGreaterThanOrEqual(1);
});

test('every variable the deployment files set is one the line reads', () => {
  const compose = parse(readFileSync('infra/compose/docker-compose.yml', 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string> }>;
  };
  const names = [
    ...Object.keys(byKind('ConfigMap').data),
    ...Object.keys(byKind('Secret').stringData),
    ...byKind('Deployment').spec.template.spec.containers[0].env.map((e: { name: string }) => e.name),
    ...Object.keys(compose.services['line-1']!.environment ?? {}),
  ];
  for (const name of names) expect(ENV_NAMES).toContain(name);
  expect(Object.keys(compose.services).sort()).toEqual([
    'line-1',
    'line-2',
    'prometheus',
    'proxy',
    'redis-primary',
    'redis-replica',
    'sentinel-1',
    'sentinel-2',
    'sentinel-3',
  ]);
});

test('the desk page: its accounts are a secret, its other variables are set, and the values given parse', () => {
  const compose = parse(readFileSync('infra/compose/docker-compose.yml', 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string> }>;
  };
  // DESK_SIGN_IN_TTL_SECONDS says what DESK_SESSION_HOURS says, in seconds: the files set the one.
  const desk = ENV_NAMES.filter(
    (name) => name.startsWith('DESK_') && name !== 'DESK_SESSION_TTL_SECONDS' && name !== 'DESK_SIGN_IN_TTL_SECONDS',
  );
  expect(desk.sort()).toEqual([
    'DESK_OIDC_ALLOWED_DOMAINS',
    'DESK_OIDC_ALLOWED_GROUPS',
    'DESK_OIDC_CLIENT_ID',
    'DESK_OIDC_CLIENT_SECRET',
    'DESK_OIDC_CLOCK_SKEW_SECONDS',
    'DESK_OIDC_GROUPS_CLAIM',
    'DESK_OIDC_ISSUER',
    'DESK_OIDC_RECHECK_SECONDS',
    'DESK_OIDC_SCOPES',
    'DESK_SESSION_HOURS',
    'DESK_TIME_ZONE',
    'DESK_TRUST_PROXY',
    'DESK_USERS',
  ]);
  const config = byKind('ConfigMap').data as Record<string, string>;
  const secret = byKind('Secret').stringData as Record<string, string>;
  // DESK_USERS holds password hashes, DESK_OIDC_CLIENT_SECRET the provider's secret for the line: in the Secret,
  // never the ConfigMap; compose takes them from the environment.
  const secrets = ['DESK_USERS', 'DESK_OIDC_CLIENT_SECRET'];
  for (const name of secrets) {
    expect(Object.keys(secret)).toContain(name);
    expect(Object.keys(config)).not.toContain(name);
  }
  for (const name of desk.filter((n) => !secrets.includes(n))) expect(Object.keys(config)).toContain(name);
  for (const line of ['line-1', 'line-2']) {
    const environment = compose.services[line]!.environment!;
    for (const name of desk) expect(Object.keys(environment)).toContain(name);
    expect(environment.DESK_USERS).toBe('${DESK_USERS:-}');
  }
  // Behind HAProxy the client's address comes in X-Forwarded-For, which DESK_TRUST_PROXY trusts for one hop.
  expect(compose.services['line-1']!.environment!.DESK_TRUST_PROXY).toBe('1');
  expect(readFileSync('infra/compose/haproxy.cfg', 'utf8')).toMatch(/^\s*option forwardfor$/m);
  // What the ConfigMap sets is what the line accepts, with a DESK_USERS as desk:hash-password prints it.
  const hash = `scrypt.15.8.3.${'A'.repeat(22)}.${'B'.repeat(43)}`;
  const loaded = loadConfig({ ...config, NODE_ENV: 'test', TWILIO_AUTH_TOKEN: 'f'.repeat(31) + 'e', DESK_USERS: `alice:${hash}` });
  expect(loaded.DESK_USERS).toEqual([{ name: 'alice', hash }]);
  expect(loaded.DESK_TIME_ZONE).toBe(config.DESK_TIME_ZONE);
  expect(loaded.SUMMARY_TTL_SECONDS).toBe(7 * 24 * 60 * 60);
  // Left empty, as shipped, there is no desk page.
  expect(loadConfig({ ...config, ...secret, NODE_ENV: 'test', TWILIO_AUTH_TOKEN: 'f'.repeat(32) }).DESK_USERS).toBeUndefined();
});

test('the image runs as a non-root user, with a health check, and node (not npm) gets SIGTERM', () => {
  const dockerfile = readFileSync('infra/Dockerfile', 'utf8');
  expect(dockerfile).toMatch(/^USER node$/m);
  expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/healthz/m);
  expect(dockerfile).toMatch(/^CMD \["node", (?:"--[^"]+", )*"dist\/src\/main\.js"\]$/m);
  expect(readFileSync('infra/compose/haproxy.cfg', 'utf8')).toContain('option httpchk GET /readyz');
});

test('the container runs the line with the runtime flags npm start gives it', () => {
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
  const flags = start.split(/\s+/).filter((word) => word.startsWith('--'));
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync('infra/Dockerfile', 'utf8'))?.[1];
  expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...flags, 'dist/src/main.js']);
});

test('metrics: scraped from the pods on their own port, which the Service (the public way in) does not expose', () => {
  const config = byKind('ConfigMap').data as Record<string, string>;
  const template = byKind('Deployment').spec.template;
  const ports = template.spec.containers[0].ports as { name: string; containerPort: number }[];
  const metrics = ports.find((p) => p.name === 'metrics')!;
  expect(metrics.containerPort).toBe(loadConfig({ ...config, NODE_ENV: 'test', TWILIO_AUTH_TOKEN: 'f'.repeat(32) }).METRICS_PORT);
  expect(template.metadata.annotations).toEqual({
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(metrics.containerPort),
    'prometheus.io/path': '/metrics',
  });
  expect(byKind('Service').spec.ports.map((p: { targetPort: string }) => p.targetPort)).toEqual(['http']);
  expect(Object.keys(byKind('Secret').stringData)).toContain('METRICS_TOKEN');
});

test('compose: an optional Prometheus (profile monitoring) with the alert rules, scraping each line on its metrics port with its token', () => {
  const compose = parse(readFileSync('infra/compose/docker-compose.yml', 'utf8'), { merge: true }) as {
    services: Record<string, { profiles?: string[]; volumes?: string[]; environment?: Record<string, string>; command?: string[] }>;
  };
  const prometheus = compose.services.prometheus!;
  // Not started by a plain `up`: only with --profile monitoring.
  expect(prometheus.profiles).toEqual(['monitoring']);
  expect(prometheus.volumes).toContain('../prometheus:/etc/prometheus:ro');
  const config = parse(readFileSync('infra/prometheus/prometheus.yml', 'utf8')) as {
    rule_files: string[];
    scrape_configs: { job_name: string; authorization: { credentials_file: string }; static_configs: { targets: string[] }[] }[];
  };
  expect(config.rule_files).toEqual(['portal-line.rules.yml']);
  const [job] = config.scrape_configs;
  const lines = Object.keys(compose.services).filter((name) => name.startsWith('line-'));
  expect(job!.static_configs[0]!.targets).toEqual(lines.map((name) => `${name}:${compose.services[name]!.environment!.METRICS_PORT}`));
  // The token the lines are given is the one Prometheus sends, from the file its start writes.
  expect(prometheus.environment!.METRICS_TOKEN).toBe(compose.services['line-1']!.environment!.METRICS_TOKEN);
  expect(prometheus.command!.join(' ')).toContain(`> ${job!.authorization.credentials_file} `);
  expect(prometheus.command!.join(' ')).toContain('--config.file=/etc/prometheus/prometheus.yml');
});
