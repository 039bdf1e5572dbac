import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { parse, stringify } from 'yaml';
import { createTestApp, type TestApp } from './support/test-app.js';
import { PROMETHEUS_DIR, PrometheusServer } from './support/prometheus-server.js';
import { exposedSampleNames, metricNamesIn } from './support/promql.js';

const DASHBOARD_FILE = join(import.meta.dirname, '..', 'deploy', 'grafana', 'dashboards', 'mentorhub-api.json');
const PROVISIONING_DIR = join(import.meta.dirname, '..', 'deploy', 'grafana', 'provisioning');
const METRICS_TOKEN = 'scrape-token-for-the-monitoring-tests';
/** Series Prometheus makes itself, not the API. */
const PROMETHEUS_OWN = new Set(['up']);

interface Target {
  expr?: string;
  refId: string;
  instant?: boolean;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
}
interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
}
interface RuleFile {
  groups: { name: string; rules: AlertRule[] }[];
}

const promtool = (...args: string[]) => spawnSync('promtool', args, { cwd: PROMETHEUS_DIR, encoding: 'utf8' });

async function loadDashboard(): Promise<Dashboard> {
  return JSON.parse(await readFile(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

async function loadAlertRules(): Promise<AlertRule[]> {
  const rules = parse(await readFile(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8')) as RuleFile;
  return rules.groups.flatMap((group) => group.rules);
}

/** Every query of the dashboard, with Grafana's variables as Grafana would fill them in for "All". */
function dashboardQueries(dashboard: Dashboard): { panel: string; expr: string }[] {
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      panel: `${panel.title} (${target.refId})`,
      expr: target.expr!.replaceAll('$__rate_interval', '10s').replaceAll('$__range', '1m').replaceAll('$instance', '.*'),
    })),
  );
}

describe('Prometheus alert rules (deploy/prometheus)', () => {
  it('pass promtool check rules', () => {
    const result = promtool('check', 'rules', 'alerts.yml');
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.status).toBe(0);
  });

  it('pass their unit tests (promtool test rules), which cover the error-rate and backup-age alerts', async () => {
    const result = promtool('test', 'rules', 'alerts.test.yml');
    expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
    expect(result.status).toBe(0);

    const tests = parse(await readFile(join(PROMETHEUS_DIR, 'alerts.test.yml'), 'utf8')) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    const firing = new Set(
      tests.tests.flatMap((test) => test.alert_rule_test.filter((t) => t.exp_alerts.length > 0).map((t) => t.alertname)),
    );
    expect([...firing]).toEqual(expect.arrayContaining(['MentorHubHighErrorRate', 'MentorHubBackupMissing', 'MentorHubBackupFailed']));
  });

  it('cover what the operations kit promises', async () => {
    const names = (await loadAlertRules()).map((rule) => rule.alert);
    expect(names).toEqual(
      expect.arrayContaining([
        'MentorHubApiDown',
        'MentorHubHighErrorRate',
        'MentorHubHighLatency',
        'MentorHubHighCpu',
        'MentorHubHighMemory',
        'MentorHubDiskFilling',
        'MentorHubCacheFallbackActive',
        'MentorHubBackupMissing',
        'MentorHubBackupFailed',
      ]),
    );
  });

  it('load with prometheus.yml (promtool check config)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mentorhub-promtool-'));
    try {
      // The scrape token file exists only in the container; point the copy at a real one.
      const config = parse(await readFile(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')) as {
        scrape_configs: { authorization?: { credentials_file: string } }[];
      };
      for (const scrape of config.scrape_configs) if (scrape.authorization) scrape.authorization.credentials_file = join(dir, 'token');
      await writeFile(join(dir, 'token'), 'token');
      await writeFile(join(dir, 'prometheus.yml'), stringify(config));
      await copyFile(join(PROMETHEUS_DIR, 'alerts.yml'), join(dir, 'alerts.yml'));
      const result = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
      expect(result.stdout).toContain('SUCCESS: 1 rule files found');
      expect(result.status).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('Grafana provisioning (deploy/grafana)', () => {
  it('provisions the Prometheus data source the dashboard uses and loads the dashboard folder', async () => {
    const datasources = parse(await readFile(join(PROVISIONING_DIR, 'datasources', 'prometheus.yml'), 'utf8')) as {
      datasources: { uid: string; type: string; url: string }[];
    };
    expect(datasources.datasources).toEqual([
      expect.objectContaining({ uid: 'mentorhub-prometheus', type: 'prometheus', url: 'http://prometheus:9090' }),
    ]);
    const providers = parse(await readFile(join(PROVISIONING_DIR, 'dashboards', 'mentorhub.yml'), 'utf8')) as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(providers.providers[0]).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards' } });

    const dashboard = await loadDashboard();
    const datasource = dashboard.templating.list.find((variable) => variable.type === 'datasource');
    expect(datasource).toMatchObject({ name: 'datasource', query: 'prometheus' });
  });

  it('has a well-formed dashboard: unique panel ids, every query on the data source variable, panels inside the 24-column grid', async () => {
    const dashboard = await loadDashboard();
    expect(dashboard.uid).toBe('mentorhub-api');
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      if (panel.type === 'row') continue;
      expect({ panel: panel.title, datasource: panel.datasource?.uid }).toEqual({ panel: panel.title, datasource: '${datasource}' });
      expect(panel.targets?.length).toBeGreaterThan(0);
    }
  });

  it('shows what the operations kit promises', async () => {
    const dashboard = await loadDashboard();
    const titles = dashboard.panels.map((panel) => panel.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Request rate',
        'Error rate (5xx)',
        'Latency p50 / p95 / p99',
        'p95 latency by route',
        'Slowest routes (average over the range)',
        'CPU',
        'Memory',
        'Disk used',
        'Event-loop lag',
        'Hit ratio',
        'Active store',
        'Last backup age',
        'Last backup size',
        'Last backup duration',
      ]),
    );
  });

  it('writes every query in valid PromQL (checked by promtool as recording rules)', async () => {
    const queries = dashboardQueries(await loadDashboard());
    const dir = await mkdtemp(join(tmpdir(), 'mentorhub-dashboard-promql-'));
    try {
      const rules = {
        groups: [{ name: 'dashboard', rules: queries.map((query, index) => ({ record: `dashboard:query_${index}`, expr: query.expr })) }],
      };
      await writeFile(join(dir, 'dashboard-rules.yml'), stringify(rules));
      const result = spawnSync('promtool', ['check', 'rules', join(dir, 'dashboard-rules.yml')], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain(`SUCCESS: ${queries.length} rules found`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the dashboard and the alerts against the API’s real /metrics', () => {
  let t: TestApp;
  let backupDir: string;
  let admin: string;
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    backupDir = await mkdtemp(join(tmpdir(), 'mentorhub-monitoring-backups-'));
    t = await createTestApp({ engine: 'sqlite', env: { METRICS_TOKEN, BACKUP_DIR: backupDir } });
    await t.app.listen(0, '127.0.0.1');
    admin = await t.adminToken();
    // Traffic that fills every family: routes, 4xx, cache hits and misses, measured operations, a backup.
    const auth = { authorization: `Bearer ${admin}` };
    for (let i = 0; i < 3; i++) {
      await request(t.http).get('/api/v1/mentors').expect(200);
      await request(t.http).get('/api/v1/mentors/1').expect(200);
      await request(t.http).get('/api/v1/courses/search?q=type').expect(200);
      await request(t.http).get('/api/v1/no-such-route').expect(404);
      await request(t.http).get('/api/v1/admin/metrics').expect(401);
    }
    await request(t.http).post('/api/v1/admin/backups').set(auth).expect(201);
  });

  afterAll(async () => {
    await prometheus?.stop();
    await t?.close();
    await rm(backupDir, { recursive: true, force: true });
  });

  async function exposition(): Promise<Set<string>> {
    const response = await request(t.http)
      .get('/metrics')
      .set({ authorization: `Bearer ${METRICS_TOKEN}` })
      .expect(200);
    return exposedSampleNames(response.text);
  }

  it('every metric the dashboard queries is exported by /metrics', async () => {
    const exposed = await exposition();
    const referenced = dashboardQueries(await loadDashboard()).flatMap((query) =>
      metricNamesIn(query.expr).map((metric) => ({ panel: query.panel, metric })),
    );
    expect(referenced.length).toBeGreaterThan(30);
    const missing = referenced.filter(({ metric }) => !exposed.has(metric) && !PROMETHEUS_OWN.has(metric));
    expect(missing).toEqual([]);
  });

  it('exports the machine figures the health checks compare with their thresholds', async () => {
    const response = await request(t.http)
      .get('/metrics')
      .set({ authorization: `Bearer ${METRICS_TOKEN}` })
      .expect(200);
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(response.text)?.[1]);
    const { system } = (
      await request(t.http)
        .get('/api/v1/admin/metrics')
        .set({ authorization: `Bearer ${admin}` })
        .expect(200)
    ).body as {
      system: { disk_percent: number; memory_total_mb: number };
    };
    expect(value('mentorhub_system_disk_usage_ratio')).toBeCloseTo(system.disk_percent / 100, 3);
    expect(value('mentorhub_system_memory_limit_bytes')).toBe(system.memory_total_mb * 1024 * 1024);
    for (const ratio of ['cpu', 'memory', 'disk']) {
      expect(value(`mentorhub_system_${ratio}_usage_ratio`)).toBeGreaterThanOrEqual(0);
      expect(value(`mentorhub_system_${ratio}_usage_ratio`)).toBeLessThanOrEqual(1);
    }
    expect(value('mentorhub_cache_degraded')).toBe(0);
  });

  it('every metric the alert rules read is exported by /metrics', async () => {
    const exposed = await exposition();
    const referenced = (await loadAlertRules()).flatMap((rule) =>
      metricNamesIn(rule.expr).map((metric) => ({ alert: rule.alert, metric })),
    );
    const missing = referenced.filter(({ metric }) => !exposed.has(metric) && !PROMETHEUS_OWN.has(metric));
    expect(missing).toEqual([]);
  });

  describe('in a real Prometheus running deploy/prometheus', () => {
    beforeAll(async () => {
      const { port } = (t.app.getHttpServer() as { address(): AddressInfo }).address();
      prometheus = await PrometheusServer.start(`127.0.0.1:${port}`, METRICS_TOKEN);
    });

    it('scrapes /metrics with the bearer token and loads every alert rule', async () => {
      const server = prometheus!;
      type Targets = { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
      await server.waitFor(async () => (await server.api<Targets>('targets')).activeTargets[0]?.health === 'up', 'the API target to be up');
      const { activeTargets } = await server.api<Targets>('targets');
      expect(activeTargets).toEqual([
        expect.objectContaining({ labels: expect.objectContaining({ job: 'mentorhub-api' }), health: 'up', lastError: '' }),
      ]);

      type Rules = { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
      const loaded = (await server.api<Rules>('rules')).groups.flatMap((group) => group.rules);
      expect(loaded.map((rule) => rule.name).sort()).toEqual((await loadAlertRules()).map((rule) => rule.alert).sort());
      await server.waitFor(
        async () => (await server.api<Rules>('rules')).groups.flatMap((group) => group.rules).every((rule) => rule.health === 'ok'),
        'every rule to be evaluated without error',
      );
    });

    it('answers every dashboard query with data once there are a few scrapes', async () => {
      const server = prometheus!;
      const queries = dashboardQueries(await loadDashboard());
      type Vector = { resultType: string; result: unknown[] };
      // rate() needs two samples in its window; keep some traffic flowing while the scrapes come in.
      const empty = async () => {
        await request(t.http).get('/api/v1/mentors/1').expect(200);
        const results = await Promise.all(
          queries.map(async (query) => ({ ...query, series: (await server.api<Vector>('query', { query: query.expr })).result.length })),
        );
        return results.filter((result) => result.series === 0);
      };
      await server
        .waitFor(async () => (await empty()).length === 0, 'every dashboard query to return data', 25_000)
        .catch(async (error: Error) => {
          throw new Error(`${error.message.split('\n')[0]}; empty: ${JSON.stringify(await empty(), null, 1)}`);
        });
    });
  });
});
