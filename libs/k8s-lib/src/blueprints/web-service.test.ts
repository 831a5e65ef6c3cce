import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { find, findConfig, synth } from '../../test/helpers';
import { validateObject } from '../check/validate';
import { REVISION_HISTORY_LIMIT, WebService, type WebServiceProps } from './web-service';

const base: WebServiceProps = {
  name: 'catalog',
  team: 'commerce',
  image: 'registry.example.com/b2connect/catalog:1.4.0',
  ports: { http: 8080, metrics: 9090 },
  health: { readiness: '/health/ready', liveness: '/health/live' },
};
/** The first 10 hex digits of the sha256 of `{}`: what no settings hash to. */
const EMPTY_HASH = createHash('sha256').update('{}').digest('hex').slice(0, 10);
const build = (over: Partial<WebServiceProps> = {}) => synth((scope) => new WebService(scope, 'Catalog', { ...base, ...over }));
const podSpec = (objects: ReturnType<typeof build>) => find(objects, 'Deployment', 'catalog').spec.template.spec;

describe('WebService', () => {
  it('emits exactly the objects of a single-replica service', () => {
    expect(
      build()
        .map((o) => `${o.kind}/${o.metadata.name}`)
        .sort(),
    ).toEqual([`ConfigMap/catalog-config-${EMPTY_HASH}`, 'Deployment/catalog', 'Service/catalog', 'ServiceAccount/catalog']);
  });

  it('rolls out 25% / 25% with the declared replicas', () => {
    const d = find(build({ replicas: 1 }), 'Deployment', 'catalog');
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(d.spec.replicas).toBe(1);
  });

  it('keeps the revisions the config retention keeps configs for (REVISION_HISTORY_LIMIT)', () => {
    expect(find(build(), 'Deployment', 'catalog').spec.revisionHistoryLimit).toBe(REVISION_HISTORY_LIMIT);
  });

  it('probes readiness, liveness and startup on the declared endpoints and port', () => {
    const c = podSpec(build()).containers[0];
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/health/ready', port: 8080 });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/health/live', port: 8080 });
    expect(c.startupProbe.httpGet).toMatchObject({ path: '/health/ready', port: 8080 });
    expect(c.livenessProbe.httpGet.path).not.toBe(c.readinessProbe.httpGet.path);
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBeGreaterThanOrEqual(60);
  });

  it('probes the metrics port when health.port says so', () => {
    const c = podSpec(build({ health: { ...base.health!, port: 'metrics' } })).containers[0];
    expect(c.readinessProbe.httpGet.port).toBe(9090);
  });

  it('shuts down gracefully: a preStop delay shorter than the grace period', () => {
    const spec = podSpec(build({ preStopSeconds: 10, terminationGracePeriodSeconds: 45 }));
    expect(spec.containers[0].lifecycle.preStop.exec.command).toEqual(['sleep', '10']);
    expect(spec.terminationGracePeriodSeconds).toBe(45);
  });

  it('meets Pod Security "restricted" on the pod and every container', () => {
    const spec = podSpec(build());
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.automountServiceAccountToken).toBe(false);
    for (const c of spec.containers) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.securityContext.runAsUser).toBeGreaterThan(0);
    }
  });

  it('gives the read-only root filesystem a writable /tmp', () => {
    const spec = podSpec(build());
    expect(spec.containers[0].volumeMounts).toEqual([{ mountPath: '/tmp', name: 'writable-tmp' }]);
    expect(spec.volumes).toEqual([{ name: 'writable-tmp', emptyDir: { sizeLimit: '64Mi' } }]);
  });

  it('sets requests and limits, pulls IfNotPresent and loads settings from its ConfigMap', () => {
    const objects = build({
      config: { B: '2', A: '1' },
      resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    });
    const c = podSpec(objects).containers[0];
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1000m', memory: '1024Mi' } });
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    const config = findConfig(objects, 'ConfigMap', 'catalog-config');
    expect(c.envFrom).toEqual([{ configMapRef: { name: config.metadata.name } }]);
    expect(Object.keys(config.data)).toEqual(['A', 'B']);
  });

  it('names its ConfigMap by the content: a settings change is a new name and a new pod template', () => {
    const template = (config: Record<string, string>) => find(build({ config }), 'Deployment', 'catalog').spec.template;
    const nameOf = (config: Record<string, string>) => findConfig(build({ config }), 'ConfigMap', 'catalog-config').metadata.name;
    expect(nameOf({ A: '1' })).toMatch(/^catalog-config-[0-9a-f]{10}$/);
    expect(nameOf({ A: '1' })).toBe(nameOf({ A: '1' }));
    // The order settings are given in is not content.
    expect(nameOf({ A: '1', B: '2' })).toBe(nameOf({ B: '2', A: '1' }));
    expect(nameOf({ A: '1' })).not.toBe(nameOf({ A: '2' }));
    expect(template({ A: '1' })).toEqual(template({ A: '1' }));
    expect(template({ A: '2' }).spec.containers[0].envFrom).toEqual([{ configMapRef: { name: nameOf({ A: '2' }) } }]);
    expect(template({ A: '1' })).not.toEqual(template({ A: '2' }));
  });

  it('names its files ConfigMap by the files and mounts it by that name', () => {
    const files = (content: string) => build({ configFiles: { mountPath: '/etc/app', files: { 'app.conf': content } } });
    const filesMap = findConfig(files('a'), 'ConfigMap', 'catalog-files');
    expect(filesMap.metadata.name).not.toBe(findConfig(files('b'), 'ConfigMap', 'catalog-files').metadata.name);
    const volumes = find(files('a'), 'Deployment', 'catalog').spec.template.spec.volumes;
    expect(volumes).toContainEqual(expect.objectContaining({ configMap: expect.objectContaining({ name: filesMap.metadata.name }) }));
  });

  it('labels every object with the standard labels and selects on stable labels only', () => {
    const objects = build();
    for (const o of objects) {
      expect(o.metadata.labels).toEqual({
        'app.kubernetes.io/name': 'catalog',
        'app.kubernetes.io/instance': 'catalog',
        'app.kubernetes.io/version': '1.4.0',
        'app.kubernetes.io/component': 'domain-service',
        'app.kubernetes.io/part-of': 'b2connect',
        'app.kubernetes.io/managed-by': 'b2connect-deploy',
        'b2connect.io/team': 'commerce',
      });
    }
    const stable = { 'app.kubernetes.io/name': 'catalog', 'app.kubernetes.io/instance': 'catalog' };
    expect(find(objects, 'Deployment', 'catalog').spec.selector).toEqual({ matchLabels: stable });
    expect(find(objects, 'Service', 'catalog').spec.selector).toEqual(stable);
    expect(stringify(objects)).not.toContain('cdk8s.io');
  });

  it('exposes http on port 80 and the other ports on their own number', () => {
    expect(find(build(), 'Service', 'catalog').spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'metrics', port: 9090, targetPort: 9090 },
    ]);
  });

  it('gives its ServiceAccount no token', () => {
    expect(find(build(), 'ServiceAccount', 'catalog').automountServiceAccountToken).toBe(false);
  });

  it('emits an autoscaling/v2 HPA and then no fixed replicas', () => {
    const objects = build({ autoscaling: { min: 2, max: 10, cpuPercent: 70 } });
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'catalog');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 10,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'catalog' },
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    });
    expect(find(objects, 'Deployment', 'catalog').spec).not.toHaveProperty('replicas');
  });

  it('adds a PDB and topology spread across nodes and zones when more than one replica can run', () => {
    for (const objects of [build({ replicas: 3 }), build({ autoscaling: { min: 1, max: 4, cpuPercent: 70 } })]) {
      const pdb = find(objects, 'PodDisruptionBudget', 'catalog');
      expect(pdb.spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'catalog' } } });
      const spread = podSpec(objects).topologySpreadConstraints;
      expect(spread.map((s: { topologyKey: string }) => s.topologyKey)).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    }
  });

  it('adds neither PDB nor topology spread for a single replica', () => {
    const objects = build({ replicas: 1 });
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
    expect(podSpec(objects)).not.toHaveProperty('topologySpreadConstraints');
  });

  it('produces objects that pass schema and unknown-field validation', () => {
    for (const o of build({ autoscaling: { min: 2, max: 5, cpuPercent: 70 } })) expect(validateObject(o)).toEqual([]);
  });

  it('fails when a probe uses a port that does not exist', () => {
    expect(() => build({ health: { ...base.health!, port: 'admin' } })).toThrow(
      'WebService catalog: health.port "admin" is not one of the declared ports (http, metrics)',
    );
  });

  it('fails when HPA min is above max', () => {
    expect(() => build({ autoscaling: { min: 5, max: 2, cpuPercent: 70 } })).toThrow(
      'WebService catalog: autoscaling: min 5 is above max 2',
    );
  });

  it('fails when replicas and autoscaling are both given', () => {
    expect(() => build({ replicas: 2, autoscaling: { min: 2, max: 4, cpuPercent: 70 } })).toThrow(
      /replicas \(2\) and autoscaling are exclusive/,
    );
  });

  it('fails when the image is not pinned', () => {
    expect(() => build({ image: 'registry.example.com/b2connect/catalog:latest' })).toThrow(/must carry a pinned tag/);
    expect(() => build({ image: 'registry.example.com:5000/b2connect/catalog' })).toThrow(/must carry a pinned tag/);
  });

  it('fails when the grace period does not outlast the preStop delay', () => {
    expect(() => build({ preStopSeconds: 30, terminationGracePeriodSeconds: 20 })).toThrow(
      /terminationGracePeriodSeconds 20s must be longer than preStopSeconds \(30s\)/,
    );
  });

  it('matches its golden rendering (one small snapshot; the assertions above are the contract)', () => {
    expect(stringify(find(build(), 'Service', 'catalog'))).toMatchSnapshot();
  });
});
