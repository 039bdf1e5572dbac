import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const dir = join(import.meta.dirname, '..', 'deploy', 'kubernetes');
const load = (file: string) => parse(readFileSync(join(dir, file), 'utf8'));

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
});
