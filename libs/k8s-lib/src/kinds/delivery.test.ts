import { describe, expect, it } from 'vitest';
import { App, Chart } from 'cdk8s';
import { ConfigError, ConfigErrors } from '../errors';
import { promqlError } from '../promql';
import { synthesize } from '../write/bundle';
import { environment, find, importLoader, makeWorkspace, webService } from '../../test/helpers';
import type { EnvironmentInput } from '../config/environment';
import type { WebServiceSpecInput } from '../config/definition';
import { Delivery, DeliverySchema, deliveryFeature } from './delivery';

const canary = Delivery.canary({
  steps: [
    { weight: 20, pause: '2m' },
    { weight: 60, pause: '10m' },
  ],
  analysis: { maxErrorRate: 0.02, latency: { percentile: 95, maxMs: 250 }, minRequests: 80, interval: '2m', count: 3, failureLimit: 1 },
});

/** An environment with Argo Rollouts and Prometheus, and the mesh given. */
const withRollouts = (name: string, over: Partial<EnvironmentInput['capabilities']> = {}): EnvironmentInput =>
  environment(name, { capabilities: { argoRollouts: true, prometheusOperator: true, rabbitmqOperator: true, ...over } });

/** A cluster-level package emitting the public Ingress, routed to `service`. */
const ingressPackage = (service: string) => `const { ApiObject } = require(${JSON.stringify(require.resolve('cdk8s'))});
export default { kind: 'cluster', spec: { name: 'ingress', team: 'edge', dependsOn: [${JSON.stringify(service)}], build: (scope, ctx) => {
  new ApiObject(scope, 'Ingress', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'b2connect', namespace: ctx.env.namespace },
    spec: { ingressClassName: 'nginx', rules: [{ host: 'api.example.com', http: { paths: [{ path: '/', pathType: 'Prefix',
      backend: { service: { name: ${JSON.stringify(service)}, port: { number: 80 } } } }] } }] } });
} } };
`;

async function build(
  envs: Record<string, EnvironmentInput>,
  services: Record<string, Partial<WebServiceSpecInput> & { delivery?: unknown }>,
  extra: Record<string, string> = {},
) {
  const progress: string[] = [];
  const root = makeWorkspace({
    environments: envs,
    packages: { ...Object.fromEntries(Object.entries(services).map(([name, over]) => [name, webService(name, over as never)])), ...extra },
  });
  const result = await synthesize(root, { load: importLoader, onProgress: (line) => progress.push(line) });
  return { objects: (env: string, pkg: string): any[] => [...result.bundles.get(env)!.get(pkg)!], progress };
}

async function failure(envs: Record<string, EnvironmentInput>, over: Record<string, unknown>): Promise<string> {
  const root = makeWorkspace({ environments: envs, packages: { web: webService('web', over as never) } });
  const err = await synthesize(root, { load: importLoader }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigErrors);
  return (err as ConfigErrors).message;
}

/** Every object of a bundle that names a Deployment called `name` anywhere in its body. */
function referencesToDeployment(objects: readonly any[], name: string): string[] {
  const hits: string[] = [];
  const walk = (value: unknown, where: string) => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
    else if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if (o.kind === 'Deployment' && (o.name === name || (o.metadata as { name?: string } | undefined)?.name === name)) hits.push(where);
      for (const [k, v] of Object.entries(o)) walk(v, `${where}.${k}`);
    }
  };
  objects.forEach((o, i) => walk(o, `${o.kind}/${o.metadata.name}#${i}`));
  return hits;
}

describe('canary delivery', () => {
  it('replaces the Deployment by a Rollout with the same pod template, the steps, and the HPA on the Rollout', async () => {
    const { objects } = await build(
      { prod: withRollouts('prod') },
      { web: { autoscaling: { min: 2, max: 6 }, delivery: canary }, plain: { autoscaling: { min: 2, max: 6 } } },
    );
    const web = objects('prod', 'web');
    const rollout = find(web, 'Rollout', 'web');
    expect(rollout.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(web.filter((o) => o.kind === 'Deployment')).toEqual([]);
    expect(referencesToDeployment(web, 'web')).toEqual([]);
    // Self-contained: the template inline, never a workloadRef; no fixed replicas under the HPA.
    expect(rollout.spec.workloadRef).toBeUndefined();
    expect(rollout.spec.replicas).toBeUndefined();
    // The same pod layer as a Deployment of the same service, but pods spread by the Rollout's own hash label.
    const template = find(objects('prod', 'plain'), 'Deployment', 'plain').spec.template;
    const expected = JSON.parse(
      JSON.stringify(template).replaceAll('plain', 'web').replaceAll('"pod-template-hash"', '"rollouts-pod-template-hash"'),
    );
    expect(rollout.spec.template).toEqual(expected);
    expect(rollout.spec.template.spec.topologySpreadConstraints[0].matchLabelKeys).toEqual(['rollouts-pod-template-hash']);
    expect(rollout.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/name': 'web' } });
    const steps = rollout.spec.strategy.canary.steps;
    expect(steps.filter((s: any) => 'setWeight' in s).map((s: any) => s.setWeight)).toEqual([20, 60]);
    expect(steps.filter((s: any) => 'pause' in s).map((s: any) => s.pause.duration)).toEqual(['2m', '10m']);
    // Each weight is baked, then analysed, before the next one.
    expect(steps.map((s: any) => Object.keys(s)[0])).toEqual(['setWeight', 'pause', 'analysis', 'setWeight', 'pause', 'analysis']);
    expect(rollout.spec.progressDeadlineAbort).toBe(true);
    expect(find(web, 'HorizontalPodAutoscaler', 'web').spec.scaleTargetRef).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      name: 'web',
    });
    // The PDB still covers the pods.
    expect(find(web, 'PodDisruptionBudget', 'web').spec.selector.matchLabels).toEqual(rollout.spec.selector.matchLabels);
  });

  it("lets the package's ServiceMonitor find its metrics port on the service's own Service only: each pod is one target", async () => {
    const { objects } = await build({ prod: withRollouts('prod', { serviceMesh: 'istio' }) }, { web: { delivery: canary } });
    const web = objects('prod', 'web');
    const monitor = find(web, 'ServiceMonitor', 'web');
    const selected = web.filter(
      (o) =>
        o.kind === 'Service' &&
        Object.entries(monitor.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => o.metadata.labels?.[k] === v),
    );
    // The stable labels select all three Services, which all select the same pods...
    expect(selected.map((o) => o.metadata.name).sort()).toEqual(['web', 'web-canary', 'web-stable']);
    // ...but only the service's own one has the port the monitor scrapes.
    const ports = monitor.spec.endpoints.map((e: any) => e.port);
    expect(ports).toEqual(['metrics']);
    expect(selected.filter((o) => o.spec.ports.some((p: any) => ports.includes(p.name))).map((o) => o.metadata.name)).toEqual(['web']);
  });

  it('keeps fixed replicas on the Rollout where there is no HPA', async () => {
    const { objects } = await build({ prod: withRollouts('prod') }, { web: { replicas: 3, delivery: canary } });
    expect(find(objects('prod', 'web'), 'Rollout', 'web').spec.replicas).toBe(3);
  });

  it('routes with Istio: a VirtualService route "primary" holding exactly the stable and canary subsets of the DestinationRule', async () => {
    const { objects } = await build({ prod: withRollouts('prod', { serviceMesh: 'istio' }) }, { web: { delivery: canary } });
    const web = objects('prod', 'web');
    const rollout = find(web, 'Rollout', 'web');
    const host = 'web.b2connect.svc.cluster.local';
    expect(rollout.spec.strategy.canary.trafficRouting).toEqual({
      istio: {
        virtualService: { name: 'web', routes: ['primary'] },
        destinationRule: { name: 'web', canarySubsetName: 'canary', stableSubsetName: 'stable' },
      },
    });
    const vs = find(web, 'VirtualService', 'web');
    expect(vs.spec.hosts).toEqual([host]);
    expect(vs.spec.http).toHaveLength(1);
    expect(vs.spec.http[0].name).toBe('primary');
    expect(vs.spec.http[0].route.map((r: any) => [r.destination.subset, r.weight])).toEqual([
      ['stable', 100],
      ['canary', 0],
    ]);
    // One DestinationRule per host: the mesh's own (mutual TLS) carries the subsets, on the pod labels.
    const rules = web.filter((o) => o.kind === 'DestinationRule');
    expect(rules).toHaveLength(1);
    expect(rules[0].spec.trafficPolicy.tls.mode).toBe('ISTIO_MUTUAL');
    for (const subset of rules[0].spec.subsets) expect(subset.labels).toEqual(rollout.spec.selector.matchLabels);
    expect(rules[0].spec.subsets.map((s: any) => s.name).sort()).toEqual(['canary', 'stable']);
    // The Services the controller points at each version exist and select the pods; consumers keep `web`.
    expect(rollout.spec.strategy.canary).toMatchObject({ stableService: 'web-stable', canaryService: 'web-canary' });
    for (const name of ['web', 'web-stable', 'web-canary'])
      expect(find(web, 'Service', name).spec.selector).toEqual(rollout.spec.selector.matchLabels);
  });

  it('leaves the objects the controller edits to it where Flux applies the bundle (created once, then not updated)', async () => {
    const flux = {
      ...withRollouts('prod', { serviceMesh: 'istio' }),
      delivery: { gitops: { engine: 'flux', repository: 'https://git.example.com/g.git', path: 'prod' } },
    };
    const { objects } = await build({ prod: flux as never }, { web: { delivery: canary } });
    for (const kind of ['VirtualService', 'DestinationRule'])
      expect(find(objects('prod', 'web'), kind, 'web').metadata.annotations).toEqual({ 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' });
    const argo = await build({ prod: withRollouts('prod', { serviceMesh: 'istio' }) }, { web: { delivery: canary } });
    expect(find(argo.objects('prod', 'web'), 'VirtualService', 'web').metadata.annotations).toBeUndefined();
  });

  it('routes a public service with the NGINX ingress where there is no Istio: the stable Ingress is the public one, on the service itself', async () => {
    const { objects } = await build(
      { prod: withRollouts('prod') },
      { gateway: { component: 'api-gateway', delivery: canary } },
      { ingress: ingressPackage('gateway') },
    );
    const gateway = objects('prod', 'gateway');
    const rollout = find(gateway, 'Rollout', 'gateway');
    expect(rollout.spec.strategy.canary).toMatchObject({
      stableService: 'gateway',
      canaryService: 'gateway-canary',
      trafficRouting: { nginx: { stableIngress: 'b2connect' } },
    });
    expect(gateway.filter((o) => o.kind === 'VirtualService')).toEqual([]);
    expect(find(gateway, 'Service', 'gateway-canary').spec.selector).toEqual(rollout.spec.selector.matchLabels);
  });

  it('routes a public service of a slotted environment through Istio only: its public Ingress is not in the slot namespace', async () => {
    const slots = {
      names: ['blue', 'green'],
      live: 'blue',
      previewHosts: { api: 'preview-api.example.com', storefront: 'preview.example.com', adminPortal: 'preview-admin.example.com' },
    };
    const { objects, progress } = await build(
      { prod: { ...withRollouts('prod', { serviceMesh: 'istio' }), slots } as EnvironmentInput },
      { gateway: { component: 'api-gateway', delivery: canary } },
    );
    const rollouts = objects('prod', 'gateway').filter((o) => o.kind === 'Rollout');
    expect(rollouts.map((o) => o.metadata.namespace)).toEqual(['b2connect-blue', 'b2connect-green']);
    for (const r of rollouts) {
      expect(r.spec.strategy.canary.trafficRouting.nginx).toBeUndefined();
      expect(r.spec.strategy.canary.trafficRouting.istio.virtualService).toEqual({ name: 'gateway', routes: ['primary'] });
    }
    expect(objects('prod', 'gateway').filter((o) => o.kind === 'Ingress')).toEqual([]);
    expect(progress.join('\n')).not.toContain('traffic follows pod counts');
  });

  it('routes a public service on Istio with both: NGINX at the edge, Istio between the stable and canary Services (host-level)', async () => {
    const { objects } = await build(
      { prod: withRollouts('prod', { serviceMesh: 'istio' }) },
      { gateway: { component: 'api-gateway', delivery: canary } },
      { ingress: ingressPackage('gateway') },
    );
    const gateway = objects('prod', 'gateway');
    const routing = find(gateway, 'Rollout', 'gateway').spec.strategy.canary.trafficRouting;
    expect(routing).toEqual({ istio: { virtualService: { name: 'gateway', routes: ['primary'] } }, nginx: { stableIngress: 'b2connect' } });
    // The stable Service is the one the controller narrows to the stable pods: no subsets on it.
    expect(find(gateway, 'VirtualService', 'gateway').spec.http[0].route.map((r: any) => r.destination.host)).toEqual([
      'gateway.b2connect.svc.cluster.local',
      'gateway-canary.b2connect.svc.cluster.local',
    ]);
    expect(find(gateway, 'DestinationRule', 'gateway').spec.subsets).toBeUndefined();
  });

  it('fails when the public Ingress the NGINX canary clones is not in the environment', async () => {
    const message = await failure({ prod: withRollouts('prod') }, { component: 'api-gateway', delivery: canary });
    expect(message).toContain('rollout-traffic-route: stable Ingress "b2connect" is not in the bundle');
  });

  it('shifts by pod counts without a router, and says so in the build output', async () => {
    const { objects, progress } = await build({ prod: withRollouts('prod', { serviceMesh: 'linkerd' }) }, { web: { delivery: canary } });
    expect(find(objects('prod', 'web'), 'Rollout', 'web').spec.strategy.canary.trafficRouting).toBeUndefined();
    expect(progress).toContain('prod: web: canary delivery: traffic follows pod counts (no Istio, not behind the public ingress)');
  });

  it('analyses the canary pods on Prometheus: error rate and latency with the thresholds, a minimum request count, every query parsed', async () => {
    const { objects } = await build({ prod: withRollouts('prod') }, { web: { delivery: canary } });
    const web = objects('prod', 'web');
    const template = find(web, 'AnalysisTemplate', 'web-canary');
    expect(template.spec.args).toEqual([{ name: 'canary-hash' }]);
    const analysis = find(web, 'Rollout', 'web').spec.strategy.canary.steps.find((s: any) => s.analysis).analysis;
    expect(analysis).toEqual({
      templates: [{ templateName: 'web-canary' }],
      args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
    });
    const metrics = template.spec.metrics;
    expect(metrics.map((m: any) => m.name)).toEqual(['error-rate', 'latency-p95']);
    for (const m of metrics) {
      expect(m).toMatchObject({ interval: '2m', count: 3, failureLimit: 1, inconclusiveLimit: 0 });
      const query: string = m.provider.prometheus.query;
      expect(m.provider.prometheus.address).toBe('http://prometheus-operated.monitoring.svc:9090');
      expect(promqlError(m.name, query)).toBeUndefined();
      // Only the canary's pods, over the interval.
      expect(query).toContain('pod=~"web-{{args.canary-hash}}-.+"');
      expect(query).toContain('[2m]');
      // The guard: fewer than 80 requests give no sample, so neither condition holds (Inconclusive).
      expect(
        query.endsWith(
          ' and on() (sum(increase(http_server_request_duration_seconds_count{namespace="b2connect",pod=~"web-{{args.canary-hash}}-.+"}[2m])) >= 80)',
        ),
      ).toBe(true);
      expect(m.successCondition).toMatch(/^len\(result\) > 0 && /);
      expect(m.failureCondition).toMatch(/^len\(result\) > 0 && /);
    }
    expect(metrics[0].successCondition).toBe('len(result) > 0 && result[0] <= 0.02');
    expect(metrics[0].failureCondition).toBe('len(result) > 0 && result[0] > 0.02');
    // No 5xx in the window is an error rate of 0, not an empty (inconclusive) result.
    expect(metrics[0].provider.prometheus.query).toContain('or on() vector(0)');
    expect(metrics[1].provider.prometheus.query).toMatch(/^histogram_quantile\(0\.95, /);
    expect(metrics[1].successCondition).toBe('len(result) > 0 && result[0] <= 0.25');
  });

  it('rolls where the environment has no Argo Rollouts, and says so in the build output', async () => {
    const { objects, progress } = await build(
      { dev: environment('dev'), prod: withRollouts('prod', { serviceMesh: 'istio' }) },
      { web: { delivery: canary } },
    );
    const dev = objects('dev', 'web');
    expect(find(dev, 'Deployment', 'web').spec.strategy.type).toBe('RollingUpdate');
    expect(dev.filter((o) => ['Rollout', 'AnalysisTemplate'].includes(o.kind))).toEqual([]);
    expect(progress).toContain('dev: web: canary delivery: rolling update instead (capabilities.argoRollouts is false)');
    expect(progress.filter((l) => l.startsWith('prod: web:'))).toEqual([]);
  });

  it('fails when the package requires the canary and the environment has no Argo Rollouts', async () => {
    const message = await failure({ dev: environment('dev') }, { delivery: Delivery.canary({ ...canary, required: true } as never) });
    expect(message).toContain(
      'services/web/deploy.ts: delivery.required: [dev] the canary is required, but environments/dev.yaml has capabilities.argoRollouts: false',
    );
  });

  it('fails when the weights do not rise, naming each step', async () => {
    const message = await failure(
      { prod: withRollouts('prod') },
      {
        delivery: Delivery.canary({
          steps: [
            { weight: 50, pause: '5m' },
            { weight: 30, pause: '5m' },
            { weight: 100, pause: 'soon' },
          ],
          analysis: { latency: { maxMs: 300 } },
        }),
      },
    );
    expect(message).toContain("delivery.steps.1.weight: 30 must be above the previous step's 50");
    expect(message).toContain('delivery.steps.2.weight: 100 must be a whole percent between 1 and 99');
    expect(message).toContain('delivery.steps.2.pause: must be a duration such as 30s, 5m or 1h');
  });

  it('fails when the analysis could never fail or has no latency threshold', async () => {
    const message = await failure({ prod: withRollouts('prod') }, { delivery: { strategy: 'canary', analysis: { interval: '30s' } } });
    expect(message).toContain('delivery.analysis.latency: ');
    expect(message).toContain('delivery.analysis.interval: must be at least 1m');
    const never = await failure(
      { prod: withRollouts('prod') },
      { delivery: Delivery.canary({ analysis: { latency: { maxMs: 300 }, count: 2, failureLimit: 2 } }) },
    );
    expect(never).toContain('delivery.analysis.failureLimit: 2 must be below count (2): the analysis could never fail');
  });

  it('rolls where the environment has Argo Rollouts but no prometheus-operator (the analysis would have no metrics), and says so', async () => {
    // A Prometheus address alone is not enough: nothing would scrape the pods.
    const base = environment('prod', { capabilities: { argoRollouts: true, rabbitmqOperator: true } });
    const noMonitors = { ...base, network: { ...base.network, prometheusUrl: 'http://prometheus.example.com:9090' } } as EnvironmentInput;
    const { objects, progress } = await build({ prod: noMonitors }, { web: { delivery: canary } });
    const web = objects('prod', 'web');
    expect(find(web, 'Deployment', 'web').spec.strategy.type).toBe('RollingUpdate');
    expect(web.filter((o) => ['Rollout', 'AnalysisTemplate'].includes(o.kind))).toEqual([]);
    expect(progress).toContain('prod: web: canary delivery: rolling update instead (capabilities.prometheusOperator is false)');
  });

  it('fails when the package requires the canary and the environment has no prometheus-operator', async () => {
    const message = await failure(
      { prod: environment('prod', { capabilities: { argoRollouts: true, rabbitmqOperator: true } }) },
      { delivery: Delivery.canary({ ...canary, required: true } as never) },
    );
    expect(message).toContain(
      'services/web/deploy.ts: delivery.required: [prod] the canary is required, but environments/prod.yaml has capabilities.prometheusOperator: false: without monitors the analysis has no metrics of the pods',
    );
  });

  it('fails when the package has no WebService to deliver, naming the file', () => {
    const chart = new Chart(new App(), 'web');
    const value = DeliverySchema.parse(canary);
    const ctx = {
      pkg: { name: 'web', file: 'services/web/deploy.ts' },
      spec: { name: 'web' },
      env: { name: 'prod', capabilities: { argoRollouts: true, prometheusOperator: true } },
      value,
    };
    let err: unknown;
    try {
      deliveryFeature.build(chart, ctx as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(
      "services/web/deploy.ts: delivery: [prod] a canary needs the web service's Deployment to replace, and the package builds no WebService; drop delivery or build the package with defineWebService",
    );
  });
});
