import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

const dir = join(import.meta.dirname, '..', 'deploy', 'kubernetes');
const load = (file: string) => parse(readFileSync(join(dir, file), 'utf8'));
const prometheusDir = join(import.meta.dirname, '..', 'deploy', 'prometheus');

interface Probe {
  httpGet: { path: string; port: string };
  periodSeconds: number;
  failureThreshold: number;
}

describe('Kubernetes manifests', () => {
  const deployment = load('deployment.yaml');
  const config = load('configmap.yaml');
  const container = deployment.spec.template.spec.containers[0];

  it('wire the probes to the health endpoints on the container port', () => {
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8000 }]);
    const probes = {
      startup: container.startupProbe as Probe,
      liveness: container.livenessProbe as Probe,
      readiness: container.readinessProbe as Probe,
    };
    expect(probes.startup.httpGet).toEqual({ path: '/api/v1/health/live', port: 'http' });
    expect(probes.liveness.httpGet).toEqual({ path: '/api/v1/health/live', port: 'http' });
    expect(probes.readiness.httpGet).toEqual({ path: '/api/v1/health/ready', port: 'http' });
    expect(probes.readiness.periodSeconds).toBeLessThan(probes.liveness.periodSeconds);
  });

  it('give the pod longer to stop than the drain period', () => {
    const drainSeconds = Number(config.data.SHUTDOWN_DRAIN_MS) / 1000;
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(drainSeconds + 10);
    expect(config.data.PORT).toBe('8000');
  });

  it('take the environment from the ConfigMap and the Secret, and the selector matches the pods and the Service', () => {
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'mentorhub-api' } }, { secretRef: { name: 'mentorhub-api' } }]);
    const service = load('service.yaml');
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(service.spec.selector).toEqual(deployment.spec.template.metadata.labels);
    expect(service.spec.ports[0].targetPort).toBe('http');
  });

  it('keep secrets out of the ConfigMap', () => {
    expect(Object.keys(config.data).filter((key) => /SECRET|PASSWORD|DATABASE_URL|KEY_ID/.test(key))).toEqual([]);
    expect(load('secret.example.yaml').stringData.JWT_SECRET).toMatch(/CHANGE-ME/);
  });

  it('run pinned images under the runtime seccomp profile, and a disruption budget keeps all but one replica up', () => {
    const images = [...deployment.spec.template.spec.containers, ...(deployment.spec.template.spec.initContainers ?? [])].map(
      (c: { image: string }) => c.image,
    );
    for (const image of images) expect(image).toMatch(/^[^:@]+(:(?!latest$)[\w.-]+|@sha256:[0-9a-f]{64})$/);
    expect(deployment.spec.template.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(load('kustomization.yaml').resources).toContain('pod-disruption-budget.yaml');
    const budget = load('pod-disruption-budget.yaml');
    expect(budget.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(budget.spec.maxUnavailable).toBe(1);
    expect(deployment.spec.replicas).toBeGreaterThan(budget.spec.maxUnavailable);
  });

  describe('scraping every pod with the METRICS_TOKEN bearer', () => {
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    const secretKeys = Object.keys(load('secret.example.yaml').stringData as Record<string, string>);

    it('leave out the prometheus.io annotations, which cannot carry the token', () => {
      expect(Object.keys(deployment.spec.template.metadata.annotations ?? {}).filter((key) => key.startsWith('prometheus.io/'))).toEqual(
        [],
      );
    });

    it('a PodMonitor (Prometheus Operator) selects the pods, their http port and the Secret key of the token', () => {
      expect(load('monitoring/kustomization.yaml').resources).toEqual(['pod-monitor.yaml']);
      const monitor = load('monitoring/pod-monitor.yaml');
      expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(monitor.kind).toBe('PodMonitor');
      expect(monitor.spec.selector.matchLabels).toEqual(podLabels);
      const [endpoint] = monitor.spec.podMetricsEndpoints;
      expect(container.ports.map((port: { name: string }) => port.name)).toContain(endpoint.port);
      expect(endpoint.path).toBe('/metrics');
      expect(endpoint.authorization).toEqual({ type: 'Bearer', credentials: { name: 'mentorhub-api', key: 'METRICS_TOKEN' } });
      expect(secretKeys).toContain(endpoint.authorization.credentials.key);
      expect(endpoint.relabelings).toContainEqual({ sourceLabels: ['__meta_kubernetes_pod_name'], targetLabel: 'instance' });
    });

    it('a plain Prometheus job discovers the pods and keeps only theirs, on the http port, with the token', async () => {
      const config = parse(readFileSync(join(prometheusDir, 'kubernetes', 'prometheus.yml'), 'utf8'));
      const [job] = config.scrape_configs;
      expect(job.authorization).toEqual({ type: 'Bearer', credentials_file: expect.any(String) });
      expect(job.kubernetes_sd_configs).toEqual([expect.objectContaining({ role: 'pod' })]);
      const keep = (label: string) =>
        job.relabel_configs.find(
          (rule: { source_labels: string[]; action?: string }) => rule.action === 'keep' && rule.source_labels[0] === label,
        );
      expect(keep('__meta_kubernetes_pod_label_app_kubernetes_io_name').regex).toBe(podLabels['app.kubernetes.io/name']);
      expect(container.ports.map((port: { name: string }) => port.name)).toContain(keep('__meta_kubernetes_pod_container_port_name').regex);

      // Debian's Prometheus is built without Kubernetes discovery: promtool checks everything else
      // (authorization, relabelling, rule files) with the discovery block swapped for a static target.
      const work = await mkdtemp(join(tmpdir(), 'mentorhub-k8s-prometheus-'));
      try {
        const token = join(work, 'token');
        await writeFile(token, 'token-for-promtool\n');
        await writeFile(join(work, 'alerts.yml'), readFileSync(join(prometheusDir, 'alerts.yml')));
        const { kubernetes_sd_configs: _discovery, ...rest } = job;
        const checked = {
          ...config,
          scrape_configs: [
            { ...rest, authorization: { ...job.authorization, credentials_file: token }, static_configs: [{ targets: ['10.0.0.1:8000'] }] },
          ],
        };
        await writeFile(join(work, 'prometheus.yml'), stringify(checked));
        const result = spawnSync('promtool', ['check', 'config', join(work, 'prometheus.yml')], { encoding: 'utf8' });
        expect(`${result.stdout}${result.stderr}`).toMatch(/SUCCESS/);
        expect(result.status).toBe(0);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  });
});
