import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigErrors } from '../errors';
import { promqlProblems, substituteDashboardVariables } from '../promql';
import { synthesize, type SynthesisResult } from '../write/bundle';
import { DashboardConfigMap } from '../blueprints/observability/dashboard-config-map';
import { packageDashboard } from '../blueprints/observability/dashboards';
import { HttpMetrics } from '../blueprints/observability/http-metrics';
import { importLoader, makeWorkspace, synth, webService, environment } from '../../test/helpers';

const workspaceRoot = resolve(__dirname, '../../../..');
const load = (file: string) => import(/* @vite-ignore */ file);

let real: SynthesisResult;
const progress: string[] = [];
beforeAll(async () => {
  real = await synthesize(workspaceRoot, { environments: ['dev', 'staging', 'prod'], load, onProgress: (line) => progress.push(line) });
}, 120_000);

const bundleOf = (env: string): Map<string, any[]> => new Map([...real.bundles.get(env)!].map(([k, v]) => [k, [...v] as any[]]));
const all = (env: string) => [...bundleOf(env).values()].flat();
const isOperatorKind = (o: any) => o.apiVersion.startsWith('monitoring.coreos.com/');
const dashboardsOf = (objects: any[]) =>
  objects
    .filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1')
    .flatMap((o) => Object.entries(o.data as Record<string, string>).map(([key, json]) => ({ cm: o, key, model: JSON.parse(json) })));

/** The fields the Foundation SDK's dashboard model requires, and the panel types it builds here. */
function sdkSchemaProblems(model: any): string[] {
  const problems: string[] = [];
  if (typeof model.schemaVersion !== 'number') problems.push('schemaVersion is not a number');
  if (!Array.isArray(model.templating?.list)) problems.push('templating.list is not a list');
  if (typeof model.annotations !== 'object' || model.annotations === null) problems.push('annotations is not an object');
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(model.uid ?? '')) problems.push(`uid "${model.uid}" is not a Grafana UID`);
  for (const p of model.panels ?? []) {
    if (!['row', 'timeseries'].includes(p.type)) problems.push(`panel type ${p.type}`);
    const g = p.gridPos;
    if (![g?.h, g?.w, g?.x, g?.y].every(Number.isInteger) || g.x + g.w > 24)
      problems.push(`panel "${p.title}" gridPos ${JSON.stringify(g)}`);
    for (const t of p.targets ?? []) {
      if (!t.refId || typeof t.expr !== 'string') problems.push(`panel "${p.title}" target without refId or expr`);
      if (t.datasource?.uid !== '${datasource}') problems.push(`panel "${p.title}" target not on the datasource variable`);
    }
  }
  return problems;
}

describe('observability where the environment runs prometheus-operator (staging)', () => {
  it('gives every Service with a metrics port a ServiceMonitor, and every metrics container port a PodMonitor', () => {
    for (const [pkg, objects] of bundleOf('staging')) {
      const metricsServices = objects.filter((o) => o.kind === 'Service' && o.spec.ports.some((p: any) => p.name === 'metrics'));
      for (const svc of metricsServices) {
        const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
        expect(monitors, `${pkg}: ServiceMonitor for Service/${svc.metadata.name}`).toHaveLength(1);
        expect(monitors[0].spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
        expect(Object.entries(monitors[0].spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v)).toBe(true);
        // Stable labels only: a new version never orphans the monitor.
        expect(monitors[0].spec.selector.matchLabels).not.toHaveProperty('app.kubernetes.io/version');
      }
    }
    // The six web services export metrics; each is scraped through its Service.
    const scraped = [...bundleOf('staging')].filter(([, o]) => o.some((x) => x.kind === 'ServiceMonitor')).map(([p]) => p);
    expect(scraped.sort()).toEqual(['api-gateway', 'catalog', 'identity', 'notifications', 'orders', 'search']);
    // The stores through their pods: exporter sidecars (redis, elasticsearch) and the operators' pods.
    const podMonitors = Object.fromEntries(
      all('staging')
        .filter((o) => o.kind === 'PodMonitor')
        .map((o) => [o.metadata.name, o.spec.podMetricsEndpoints[0].port]),
    );
    expect(podMonitors).toEqual({ elasticsearch: 'metrics', postgres: 'metrics', rabbitmq: 'prometheus', redis: 'metrics' });
  });

  it('runs the redis and elasticsearch exporters restricted, with pinned images, and lets only the monitoring namespace reach them', () => {
    for (const [pkg, port] of [
      ['redis', 9121],
      ['elasticsearch', 9114],
    ] as const) {
      const objects = bundleOf('staging').get(pkg)!;
      const sts = objects.find((o) => o.kind === 'StatefulSet');
      const exporter = sts.spec.template.spec.containers.find((c: any) => c.name === 'metrics');
      expect(exporter.image).toMatch(/^registry\.b2connect\.com\/.+:v\d+\.\d+\.\d+$/);
      expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: port }]);
      expect(exporter.readinessProbe).toBeUndefined();
      expect(exporter.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === pkg);
      const fromMonitoring = policy.spec.ingress.filter((r: any) =>
        r.from.some((f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring'),
      );
      expect(fromMonitoring).toEqual([expect.objectContaining({ ports: [{ port, protocol: 'TCP' }] })]);
    }
  });

  it('gives each package one PrometheusRule whose expressions all parse, with the workbook burn rates for a 30-day SLO', () => {
    for (const [pkg, objects] of bundleOf('staging')) {
      const rules = objects.filter((o) => o.kind === 'PrometheusRule');
      // Every service package (web services, frontends, stores); cluster-level packages have their own.
      const expected = real.workspace.packages.get(pkg)!.file.startsWith('services/');
      expect(rules, pkg).toHaveLength(expected ? 1 : 0);
      for (const group of rules[0]?.spec.groups ?? [])
        for (const r of group.rules) expect(promqlProblems(r.expr), `${pkg} ${r.alert ?? r.record}`).toEqual([]);
    }
    const search = bundleOf('staging')
      .get('search')!
      .find((o) => o.kind === 'PrometheusRule');
    const rules = search.spec.groups.flatMap((g: any) => g.rules);
    const records = new Set(rules.flatMap((r: any) => (r.record ? [r.record] : [])));
    for (const w of ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d']) expect(records).toContain(`slo:sli_error:ratio_rate${w}`);
    const fast = rules.find((r: any) => r.alert === 'SLOErrorBudgetBurnFast' && r.labels.sloth_slo === 'requests-availability');
    // 99.9 %: a budget of 0.001; page at 14.4x over 1h/5m and 6x over 6h/30m, with the low-traffic guard.
    expect(fast.expr).toContain('slo:sli_error:ratio_rate5m{sloth_id="search-requests-availability"');
    expect(fast.expr).toContain('> (14.4 * 0.001)');
    expect(fast.expr).toContain('> (6 * 0.001)');
    expect(fast.expr).toMatch(
      /and on\(\) \(sum\(increase\(http_server_request_duration_seconds_count\{job="search", namespace="b2connect"\}\[1h\]\)\) >= 10\)$/,
    );
    expect(fast.labels).toMatchObject({ severity: 'critical', sloth_severity: 'page', sloth_service: 'search' });
    const slow = rules.find((r: any) => r.alert === 'SLOErrorBudgetBurnSlow' && r.labels.sloth_slo === 'requests-availability');
    expect(slow.expr).toContain('slo:sli_error:ratio_rate1d');
    expect(slow.expr).toContain('> (3 * 0.001)');
    expect(slow.expr).toContain('slo:sli_error:ratio_rate3d');
    expect(slow.expr).toContain('> (1 * 0.001)');
    expect(slow.expr).not.toContain('increase(');
    expect(slow.labels).toMatchObject({ severity: 'warning', sloth_severity: 'ticket' });
    // Health alerts scoped to the package, and the HPA one where it autoscales.
    const names = rules.flatMap((r: any) => (r.alert ? [r.alert] : []));
    expect(names).toEqual(
      expect.arrayContaining(['KubePodCrashLooping', 'KubePodNotReady', 'KubeDeploymentReplicasMismatch', 'KubeHpaMaxedOut']),
    );
    expect(rules.find((r: any) => r.alert === 'KubeDeploymentReplicasMismatch').expr).toContain('deployment="search"');
  });

  it("measures a frontend's SLOs on the ingress controller's metrics of its Service", () => {
    const rules = bundleOf('staging')
      .get('storefront')!
      .find((o) => o.kind === 'PrometheusRule')
      .spec.groups.flatMap((g: any) => g.rules);
    const sli = rules.find((r: any) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels.sloth_slo === 'requests-availability');
    expect(sli.expr).toContain(
      'nginx_ingress_controller_request_duration_seconds_count{exported_namespace="b2connect", service="storefront", status=~"5.."}[5m]',
    );
    const latency = rules.find((r: any) => r.record === 'slo:sli_error:ratio_rate1h' && r.labels.sloth_slo === 'requests-latency');
    expect(latency.expr).toContain(
      'nginx_ingress_controller_request_duration_seconds_bucket{exported_namespace="b2connect", service="storefront", le="0.5"}[1h]',
    );
    // No ServiceMonitor: nginx exports nothing itself.
    expect(
      bundleOf('staging')
        .get('storefront')!
        .some((o) => o.kind === 'ServiceMonitor'),
    ).toBe(false);
  });

  it('watches a canary delivered as an Argo Rollout through the Rollouts controller, not as a Deployment', () => {
    const alerts = bundleOf('staging')
      .get('catalog')!
      .find((o) => o.kind === 'PrometheusRule')
      .spec.groups.flatMap((g: any) => g.rules.filter((r: any) => r.alert));
    expect(
      bundleOf('staging')
        .get('catalog')!
        .some((o) => o.kind === 'Rollout'),
    ).toBe(true);
    const names = alerts.map((a: any) => a.alert);
    expect(names).toEqual(expect.arrayContaining(['RolloutReplicasMismatch', 'RolloutDegraded']));
    expect(names).not.toContain('KubeDeploymentReplicasMismatch');
    // The Rollouts controller's series, scraped by its own ServiceMonitor without honorLabels: the
    // Rollout's namespace is exported_namespace (namespace is the controller's).
    const rollout = alerts.filter((a: any) => a.alert.startsWith('Rollout'));
    expect(rollout).toHaveLength(2);
    for (const a of rollout) {
      expect(a.expr).not.toMatch(/[{,]\s*namespace=/);
      expect(a.annotations.description).toContain('{{ $labels.exported_namespace }}/{{ $labels.name }}');
    }
    expect(alerts.find((a: any) => a.alert === 'RolloutDegraded').expr).toContain(
      'rollout_info{exported_namespace="b2connect", name="catalog", phase="Degraded"}',
    );
    expect(alerts.find((a: any) => a.alert === 'RolloutReplicasMismatch').expr).toContain(
      'max by (exported_namespace, name) (rollout_info_replicas_desired{exported_namespace="b2connect", name="catalog"})',
    );
  });

  it('counts no 5xx series as no errors: the availability ratio is 0 with traffic and no server error, not empty', () => {
    const rules = bundleOf('staging')
      .get('search')!
      .find((o) => o.kind === 'PrometheusRule')
      .spec.groups.flatMap((g: any) => g.rules);
    const errors = 'http_server_request_duration_seconds_count{job="search", namespace="b2connect", http_response_status_code=~"5.."}';
    const total = 'sum(rate(http_server_request_duration_seconds_count{job="search", namespace="b2connect"}[30m]))';
    const sli = rules.find((r: any) => r.record === 'slo:sli_error:ratio_rate30m' && r.labels.sloth_slo === 'requests-availability');
    expect(sli.expr).toBe(`(sum(rate(${errors}[30m])) or vector(0))\n/\n(${total} > 0)`);
    expect(promqlProblems(sli.expr)).toEqual([]);
  });

  it('gives every store its engine alerts', () => {
    const alerts = (pkg: string) =>
      bundleOf('staging')
        .get(pkg)!
        .find((o) => o.kind === 'PrometheusRule')
        .spec.groups.flatMap((g: any) => g.rules.flatMap((r: any) => (r.alert ? [r.alert] : [])));
    expect(alerts('postgres')).toEqual(expect.arrayContaining(['PostgresReplicationLag', 'PostgresNoPrimary', 'PostgresFailover']));
    expect(alerts('rabbitmq')).toEqual(expect.arrayContaining(['RabbitmqMemoryAlarm', 'RabbitmqDiskAlarm', 'RabbitmqNoQuorum']));
    expect(alerts('redis')).toEqual(expect.arrayContaining(['RedisDown', 'RedisMasterLinkDown', 'KubeStatefulSetReplicasMismatch']));
    expect(alerts('elasticsearch')).toEqual(expect.arrayContaining(['ElasticsearchClusterRed', 'ElasticsearchClusterYellow']));
  });

  it('gives each package a dashboard whose JSON fits the SDK model, with a stable UID, and whose queries parse', () => {
    const dashboards = dashboardsOf(all('staging'));
    // One per package with rules, and infra/monitoring's overview of them.
    expect(dashboards.map((d) => d.model.uid).sort()).toEqual(
      [
        'b2c-overview',
        ...[...bundleOf('staging')].filter(([, o]) => o.some((x) => x.kind === 'PrometheusRule')).map(([p]) => `b2c-${p}`),
      ].sort(),
    );
    for (const d of dashboards) {
      expect(d.key).toBe(`${d.model.uid}.json`);
      expect(sdkSchemaProblems(d.model), d.model.uid).toEqual([]);
      for (const p of d.model.panels)
        for (const t of p.targets ?? [])
          expect(promqlProblems(substituteDashboardVariables(t.expr)), `${d.model.uid} ${p.title}`).toEqual([]);
      expect(JSON.stringify(d.cm).length).toBeLessThanOrEqual(262144);
    }
    const search = dashboards.find((d) => d.model.uid === 'b2c-search')!.model;
    expect(search.panels.filter((p: any) => p.type === 'row').map((p: any) => p.title)).toEqual(['Traffic', 'Saturation', 'Pods', 'SLOs']);
    const redis = dashboards.find((d) => d.model.uid === 'b2c-redis')!.model;
    expect(redis.panels.filter((p: any) => p.type === 'row').map((p: any) => p.title)).toEqual(['redis', 'Saturation', 'Pods']);
  });

  it('links every alert to its runbook and its dashboard', () => {
    const alerts = all('staging')
      .filter((o) => o.kind === 'PrometheusRule')
      .flatMap((o) =>
        o.spec.groups.flatMap((g: any) => g.rules.filter((r: any) => r.alert).map((r: any) => ({ pkg: o.metadata.name, ...r }))),
      );
    expect(alerts.length).toBeGreaterThan(50);
    const docs = readFileSync(resolve(workspaceRoot, 'docs/observability.md'), 'utf8');
    for (const a of alerts) {
      expect(a.annotations.dashboard_url).toBe(`https://grafana.staging.b2connect.com/d/b2c-${a.pkg}`);
      const anchor = a.alert.toLowerCase();
      if (a.alert.startsWith('Kube')) {
        // kubernetes-mixin's own runbooks.
        expect(a.annotations.runbook_url).toBe(`https://runbooks.prometheus-operator.dev/runbooks/kubernetes/${anchor}`);
      } else {
        // The platform's: a heading of docs/observability.md.
        expect(a.annotations.runbook_url).toBe(`https://git.b2connect.com/platform/deploy/-/blob/main/docs/observability.md#${anchor}`);
        expect(docs, `a heading for ${a.alert}`).toMatch(new RegExp(`^#+ \\x60?${a.alert}\\x60?$`, 'm'));
      }
    }
  });

  it('writes the same bytes twice', async () => {
    const again = await synthesize(workspaceRoot, { environments: ['prod'], packages: ['search', 'redis'], load });
    for (const pkg of ['search', 'redis'])
      expect(JSON.stringify(again.bundles.get('prod')!.get(pkg))).toBe(JSON.stringify(bundleOf('prod').get(pkg)));
  });
});

describe('observability in blue-green slots (prod)', () => {
  it("names each slot's SLO series and dashboard after the slot, so that the two slots never write the same series", () => {
    const rules = all('prod').filter((o) => o.kind === 'PrometheusRule');
    const series = rules.flatMap((o) =>
      o.spec.groups.flatMap((g: any) =>
        g.rules.filter((r: any) => r.record).map((r: any) => `${r.record}${JSON.stringify(r.labels ?? {})}`),
      ),
    );
    expect(series.length).toBeGreaterThan(0);
    expect(series.length - new Set(series).size, 'recorded series written by two rules').toBe(0);
    const uids = dashboardsOf(all('prod')).map((d) => d.model.uid);
    expect(uids).toEqual(expect.arrayContaining(['b2c-catalog-blue', 'b2c-catalog-green', 'b2c-postgres']));
    expect(uids.length - new Set(uids).size, 'dashboards with one UID').toBe(0);
    // Each slot's alerts link to that slot's dashboard.
    const catalog = rules.filter((o) => o.metadata.name === 'catalog');
    for (const r of catalog) {
      const slot = r.metadata.namespace.replace('b2connect-', '');
      for (const g of r.spec.groups)
        for (const a of g.rules.filter((x: any) => x.alert))
          expect(a.annotations.dashboard_url).toMatch(new RegExp(`/d/b2c-catalog-${slot}$`));
    }
  });

  it('alerts alike in both slots, so that a switch changes the ingress only', () => {
    const severities = (namespace: string) =>
      Object.fromEntries(
        all('prod')
          .filter((o) => o.kind === 'PrometheusRule' && o.metadata.name === 'catalog' && o.metadata.namespace === namespace)
          .flatMap((o) => o.spec.groups.flatMap((g: any) => g.rules.filter((r: any) => r.alert?.startsWith('SLO'))))
          .map((a: any) => [`${a.alert} ${a.labels.sloth_slo}`, a.labels.severity]),
      );
    const expected = {
      'SLOErrorBudgetBurnFast requests-availability': 'critical',
      'SLOErrorBudgetBurnSlow requests-availability': 'warning',
      'SLOErrorBudgetBurnFast requests-latency': 'critical',
      'SLOErrorBudgetBurnSlow requests-latency': 'warning',
    };
    expect(severities('b2connect-blue')).toEqual(expected);
    expect(severities('b2connect-green')).toEqual(expected);
  });

  it("measures each slot's frontend SLOs on a Service the ingress routes to and that leads to that slot's frontend", () => {
    const objects = all('prod');
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    const routed = new Set(
      ingresses.flatMap((i) =>
        i.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => `${i.metadata.namespace}/${p.backend.service.name}`)),
      ),
    );
    const services = new Map(objects.filter((o) => o.kind === 'Service').map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
    const measured: string[] = [];
    for (const frontend of ['storefront', 'admin-portal']) {
      for (const slot of ['blue', 'green']) {
        const namespace = `b2connect-${slot}`;
        const rule = objects.find((o) => o.kind === 'PrometheusRule' && o.metadata.name === frontend && o.metadata.namespace === namespace);
        expect(rule, `${namespace}/${frontend} rules`).toBeDefined();
        const sli = rule.spec.groups
          .flatMap((g: any) => g.rules)
          .find((r: any) => r.record === 'slo:sli_error:ratio_rate5m' && r.labels.sloth_slo === 'requests-availability');
        const selected = /nginx_ingress_controller_request_duration_seconds_count\{exported_namespace="([^"]+)", service="([^"]+)"/.exec(
          sli.expr,
        );
        expect(selected, sli.expr).not.toBeNull();
        const backend = `${selected![1]}/${selected![2]}`;
        // ingress-nginx labels a request with the Ingress's namespace and the backend Service's name.
        expect(routed, `${namespace}/${frontend} selects ${backend}`).toContain(backend);
        const service = services.get(backend);
        const target =
          service?.spec.type === 'ExternalName'
            ? service.spec.externalName
            : `${service?.metadata.name}.${service?.metadata.namespace}.svc.cluster.local`;
        expect(target, backend).toBe(`${frontend}.${namespace}.svc.cluster.local`);
        measured.push(backend);
      }
    }
    // Each slot measures its own traffic: no two slots select the same requests.
    expect(new Set(measured).size).toBe(measured.length);
  });
});

describe('observability where the environment has no prometheus-operator (dev)', () => {
  it("emits none of the operator's kinds and no dashboard, and says so once", () => {
    expect(all('dev').filter(isOperatorKind)).toEqual([]);
    expect(dashboardsOf(all('dev'))).toEqual([]);
    expect(all('dev').some((o) => o.kind === 'StatefulSet' && o.spec.template.spec.containers.some((c: any) => c.name === 'metrics'))).toBe(
      false,
    );
    expect(progress.filter((l) => l.includes('prometheusOperator'))).toEqual([
      'dev: capabilities.prometheusOperator is false: no ServiceMonitor, PodMonitor, PrometheusRule or dashboard is emitted',
    ]);
  });
});

async function build(packages: Record<string, unknown>, over: Record<string, unknown> = {}): Promise<{ objects?: any[]; error?: string }> {
  const root = makeWorkspace({
    packages: packages as never,
    environments: { prod: environment('prod', { capabilities: { prometheusOperator: true }, ...over }) },
  });
  try {
    const result = await synthesize(root, { load: importLoader });
    return { objects: [...result.bundles.get('prod')!.values()].flat() as any[] };
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigErrors);
    return { error: (e as Error).message };
  }
}

describe('slos in a definition', () => {
  it('change the objectives, and false leaves one out', async () => {
    const { objects } = await build({ web: webService('web', { slos: { availability: { objective: 99.5 }, latency: false } } as never) });
    const rules = objects!.find((o) => o.kind === 'PrometheusRule').spec.groups.flatMap((g: any) => g.rules);
    expect(new Set(rules.flatMap((r: any) => (r.labels?.sloth_slo ? [r.labels.sloth_slo] : [])))).toEqual(
      new Set(['requests-availability']),
    );
    expect(rules.find((r: any) => r.record === 'slo:objective:ratio').expr).toBe('vector(0.995)');
  });

  it("link to the environment's Grafana and runbooks where it names them", async () => {
    const { objects } = await build(
      { web: webService('web') },
      { monitoring: { grafanaUrl: 'https://grafana.example.org/', runbooksUrl: 'https://wiki.example.org/runbooks' } },
    );
    const alerts = objects!.find((o) => o.kind === 'PrometheusRule').spec.groups.flatMap((g: any) => g.rules.filter((r: any) => r.alert));
    const fast = alerts.find((a: any) => a.alert === 'SLOErrorBudgetBurnFast');
    expect(fast.annotations.runbook_url).toBe('https://wiki.example.org/runbooks#sloerrorbudgetburnfast');
    expect(fast.annotations.dashboard_url).toBe('https://grafana.example.org/d/b2c-web');
  });

  it('fails when a latency threshold is not a bucket boundary', async () => {
    const { error } = await build({ web: webService('web', { slos: { latency: { objective: 99, thresholdSeconds: 0.3 } } } as never) });
    expect(error).toContain(
      'services/web/deploy.ts: slos.latency.thresholdSeconds: 0.3 is not a bucket boundary of http_server_request_duration_seconds (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)',
    );
  });

  it('fails when the package exports no HTTP metrics to measure them on', async () => {
    const { error } = await build({ web: webService('web', { ports: { http: 8080 }, slos: {} } as never) });
    expect(error).toContain(
      'services/web/deploy.ts: slos: SLOs are measured on HTTP request metrics: a web service with a metrics port (ports.metrics) or a frontend behind the ingress; this package has none',
    );
  });
});

describe('DashboardConfigMap', () => {
  const big = () =>
    packageDashboard({
      name: 'web',
      title: 'Web',
      namespace: 'b2connect',
      team: 't',
      pods: 'web-.*',
      http: HttpMetrics.openTelemetry('web', 'b2connect'),
      slos: true,
    });

  it('keeps a dashboard that fits in one ConfigMap labelled for the sidecar', () => {
    const [cm] = synth((scope) => new DashboardConfigMap(scope, 'D', { name: 'web-dashboard', labels: {}, dashboard: big() }));
    expect(cm!.metadata.name).toBe('web-dashboard');
    expect(cm!.metadata.labels).toEqual({ grafana_dashboard: '1' });
    expect(Object.keys(cm!.data as object)).toEqual(['b2c-web.json']);
  });

  it('splits a dashboard too large for the apply annotation by rows, every part under the limit and linked', () => {
    const limit = 9000;
    expect(
      JSON.stringify(synth((s) => new DashboardConfigMap(s, 'D', { name: 'x', labels: {}, dashboard: big() }))[0]).length,
    ).toBeGreaterThan(limit);
    const parts = synth((scope) => new DashboardConfigMap(scope, 'D', { name: 'web-dashboard', labels: {}, dashboard: big(), limit }));
    expect(parts.length).toBeGreaterThan(1);
    const models = parts.map((cm: any) => JSON.parse(Object.values(cm.data as Record<string, string>)[0]!));
    parts.forEach((cm: any, i) => {
      expect(cm.metadata.name).toBe(`web-dashboard-part-${i + 1}`);
      expect(JSON.stringify(cm).length).toBeLessThanOrEqual(limit);
      expect(models[i].uid).toBe(`b2c-web-p${i + 1}`);
      expect(models[i].links.map((l: any) => l.url)).toEqual(parts.map((_, j) => `/d/b2c-web-p${j + 1}`));
      expect(sdkSchemaProblems(models[i])).toEqual([]);
    });
    // No panel lost, none twice.
    expect(models.flatMap((m) => m.panels.map((p: any) => p.title))).toEqual(big().panels!.map((p: any) => p.title));
  });

  it('packs each part as full as the limit allows, for any limit: no part over it, and the next row would not have fitted', () => {
    const whole = JSON.stringify(
      synth((s) => new DashboardConfigMap(s, 'D', { name: 'web-dashboard', labels: {}, dashboard: big() }))[0],
    ).length;
    for (let limit = 9000; limit < whole; limit += 97) {
      const parts = synth((scope) => new DashboardConfigMap(scope, 'D', { name: 'web-dashboard', labels: {}, dashboard: big(), limit }));
      const models = parts.map((cm: any) => JSON.parse(Object.values(cm.data as Record<string, string>)[0]!));
      parts.forEach((cm) => expect(JSON.stringify(cm).length).toBeLessThanOrEqual(limit));
      for (let i = 0; i + 1 < parts.length; i++) {
        const next = models[i + 1].panels;
        const rowEnd = next.findIndex((p: any, j: number) => j > 0 && p.type === 'row');
        const grown = structuredClone(parts[i]) as any;
        const [key] = Object.keys(grown.data);
        const panels = [...models[i].panels, ...next.slice(0, rowEnd === -1 ? undefined : rowEnd)];
        grown.data[key!] = `${JSON.stringify({ ...models[i], panels }, null, 2)}\n`;
        expect(JSON.stringify(grown).length).toBeGreaterThan(limit);
      }
    }
  });

  it('packs a dashboard into ten parts and more, with titles outside ASCII, each part within the limit in bytes', () => {
    const base = big();
    // Every row of the package dashboard ten times over, its titles with characters UTF-8 writes in two or three bytes.
    const panels = Array.from({ length: 10 }, (_, copy) =>
      base.panels!.map((p: any) => ({ ...p, title: `${p.title ?? ''} – Übersicht ${'Ä'.repeat(100)} ${copy}` })),
    ).flat();
    const dashboard = { ...base, panels } as typeof base;
    const bytes = (cm: unknown) => Buffer.byteLength(JSON.stringify(cm));
    for (let limit = 17000; limit <= 22000; limit += 257) {
      const parts = synth((scope) => new DashboardConfigMap(scope, 'D', { name: 'web-dashboard', labels: {}, dashboard, limit }));
      expect(parts.length).toBeGreaterThanOrEqual(10);
      for (const cm of parts) expect(bytes(cm)).toBeLessThanOrEqual(limit);
      const models = parts.map((cm: any) => JSON.parse(Object.values(cm.data as Record<string, string>)[0]!));
      expect(models.flatMap((m) => m.panels.map((p: any) => p.title))).toEqual(panels.map((p: any) => p.title));
    }
  });

  it('fails when a dashboard too large for one ConfigMap has no panels to split by', () => {
    const dashboard = { ...big(), panels: [], description: 'x'.repeat(5000) } as ReturnType<typeof big>;
    expect(() =>
      synth((scope) => new DashboardConfigMap(scope, 'D', { name: 'web-dashboard', labels: {}, dashboard, limit: 3000 })),
    ).toThrow(/dashboard b2c-web: larger than a ConfigMap the apply annotation holds, and it has no panels to split by/);
  });

  it('fails when a single row is larger than the limit', () => {
    expect(() =>
      synth((scope) => new DashboardConfigMap(scope, 'D', { name: 'web-dashboard', labels: {}, dashboard: big(), limit: 3000 })),
    ).toThrow(/dashboard b2c-web: the row "[^"]+" alone is larger than a ConfigMap the apply annotation holds/);
  });
});
