import { ApiObject, type Chart } from 'cdk8s';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { standardLabels } from '../labels';
import type { Environment } from '../config/environment';
import { DashboardConfigMap } from '../blueprints/observability/dashboard-config-map';
import { dashboardUid, packageDashboard } from '../blueprints/observability/dashboards';
import { ENGINES, engineAlerts } from '../blueprints/observability/engines';
import { MetricsMonitor } from '../blueprints/observability/metrics-monitor';
import { PackageRules } from '../blueprints/observability/prometheus-rule';
import { sloRuleGroups, workloadAlerts, type AlertLinks, type PrometheusRuleGroup, type Sli } from '../blueprints/observability/rules';
import type { HttpMetrics } from '../blueprints/observability/http-metrics';
import type { BuildContext, KindFeature, PackageObservability } from './kind';

/**
 * Observability from the definition, where the environment runs prometheus-operator
 * (`capabilities.prometheusOperator`): a ServiceMonitor or PodMonitor for what the package exports, a
 * PrometheusRule with its SLOs' recording rules and burn-rate alerts, its workloads' health alerts and
 * its engine's alerts, and its dashboard as a ConfigMap for Grafana's sidecar. Every package of the
 * kinds below gets it, declared or not: `slos` only changes the objectives.
 *
 * ```ts
 * defineWebService({ name: 'orders', ..., ports: { http: 8080, metrics: 9090 }, slos: { availability: { objective: 99.95 } } })
 * ```
 * Elsewhere nothing of prometheus-operator's kinds is emitted (the build says so once per environment).
 */

const objective = z.number().gt(0).lt(100).describe('Share of good events the SLO promises over its period, in percent (99.9).');

export const SlosSchema = z.strictObject({
  /** Length of the SLO period in days; the burn-rate alerts scale to it. @default 30 */
  periodDays: z.int().min(7).max(90).default(30),
  /** Share of requests answered without a server error (5xx); false: none. @default { objective: 99.9 } */
  availability: z.union([z.literal(false), z.strictObject({ objective })]).default({ objective: 99.9 }),
  /** Share of requests answered within `thresholdSeconds`; false: none. @default { objective: 99, thresholdSeconds: 0.5 } */
  latency: z
    .union([
      z.literal(false),
      z.strictObject({
        objective,
        /** A bucket boundary of the request duration histogram (0.005 .. 10 s; checked against the package's). */
        thresholdSeconds: z.number().positive(),
      }),
    ])
    .default({ objective: 99, thresholdSeconds: 0.5 }),
  /** Fewest requests in the last hour for a page: below it one error does not page (the ticket alerts still fire). @default 10 */
  minRequestsPerHour: z.int().min(0).default(10),
});
export type Slos = z.output<typeof SlosSchema>;

/** Where the runbooks of the platform's own alerts are unless the environment says: the sections of docs/observability.md. */
export const RUNBOOKS_URL = 'https://git.b2connect.com/platform/deploy/-/blob/main/docs/observability.md';

/** Grafana of an environment: `monitoring.grafanaUrl`, else `https://grafana.<domain>`. */
export const grafanaUrl = (env: Environment) => (env.monitoring?.grafanaUrl ?? `https://grafana.${env.domain}`).replace(/\/+$/, '');

/** The runbooks page of an environment: `monitoring.runbooksUrl`, else RUNBOOKS_URL. */
export const runbooksUrl = (env: Environment) => env.monitoring?.runbooksUrl ?? RUNBOOKS_URL;

function httpSlis(pkg: string, http: HttpMetrics, slos: Slos): { name: string; objective: number; sli: Sli; description: string }[] {
  const total = (w: string) => `sum(rate(${http.count()}[${w}]))`;
  const events = (w: string) => `sum(increase(${http.count()}[${w}]))`;
  const out: { name: string; objective: number; sli: Sli; description: string }[] = [];
  if (slos.availability) {
    out.push({
      name: 'requests-availability',
      objective: slos.availability.objective,
      description: `${slos.availability.objective} % of the requests to ${pkg} are answered without a server error (5xx), by ${http.source}.`,
      // No 5xx series at all is no error, not no data: `or vector(0)`, so that the period's ratio
      // averages every window with traffic, not only those with errors.
      sli: { errorRatio: (w) => `(sum(rate(${http.count(http.serverError)}[${w}])) or vector(0))\n/\n(${total(w)} > 0)`, events },
    });
  }
  if (slos.latency) {
    const t = slos.latency.thresholdSeconds;
    out.push({
      name: 'requests-latency',
      objective: slos.latency.objective,
      description: `${slos.latency.objective} % of the requests to ${pkg} are answered within ${t * 1000} ms, by ${http.source}.`,
      sli: { errorRatio: (w) => `(${total(w)}\n-\nsum(rate(${http.bucket(t)}[${w}])))\n/\n(${total(w)} > 0)`, events },
    });
  }
  return out;
}

/** The package's pods, for its dashboard: every workload's. */
const podsOf = (o: PackageObservability) => o.workloads.map((w) => w.pods).join('|');

export const observabilityFeature: KindFeature<Slos | undefined> = {
  field: 'slos',
  kinds: ['web-service', 'frontend', 'store'],
  schema: SlosSchema,
  implicit: true,
  build(chart, ctx) {
    const observed = ctx.model.packages.get(ctx.pkg.name)?.kind.observability?.(ctx);
    if (ctx.value !== undefined && !observed?.http) {
      throw new ConfigError(ctx.pkg.file, [
        {
          path: 'slos',
          message:
            'SLOs are measured on HTTP request metrics: a web service with a metrics port (ports.metrics) or a frontend behind the ingress; this package has none',
        },
      ]);
    }
    const threshold = ctx.value?.latency ? ctx.value.latency.thresholdSeconds : undefined;
    if (threshold !== undefined && observed?.http && !observed.http.buckets.includes(threshold)) {
      throw new ConfigError(ctx.pkg.file, [
        {
          path: 'slos.latency.thresholdSeconds',
          message: `${threshold} is not a bucket boundary of ${observed.http.histogram} (${observed.http.buckets.join(', ')}): the SLI counts the requests in a bucket`,
        },
      ]);
    }
    if (!ctx.env.capabilities.prometheusOperator || !observed) return;
    buildObservability(chart, ctx, observed, ctx.value ?? SlosSchema.parse({}));
  },
};

function buildObservability(chart: Chart, ctx: BuildContext, observed: PackageObservability, slos: Slos): void {
  const { pkg, env } = ctx;
  const team = (ctx.spec as { team: string }).team;
  const labels = standardLabels({ name: pkg.name, team, component: 'monitoring', version: pkg.version });
  // In blue-green slots each slot is an instance of its own: its SLO series and its dashboard are named
  // after it, so that the two slots' rules never write the same series and Grafana keeps both dashboards.
  const instance = ctx.slot ? `${pkg.name}-${ctx.slot}` : pkg.name;
  const uid = dashboardUid(instance);
  const links: AlertLinks = {
    runbook: (alert) => `${runbooksUrl(env)}#${alert.toLowerCase()}`,
    dashboard: `${grafanaUrl(env)}/d/${uid}`,
  };
  if (observed.scrape) new MetricsMonitor(chart, 'MetricsMonitor', { name: pkg.name, labels, target: observed.scrape });
  // A Deployment another feature turned into an Argo Rollout (canary delivery) is watched as one.
  const rollouts = new Set(
    chart.node
      .findAll()
      .filter((c): c is ApiObject => c instanceof ApiObject && c.kind === 'Rollout')
      .map((o) => o.name),
  );
  const workloads = observed.workloads.map((w) =>
    w.kind === 'Deployment' && rollouts.has(w.name) ? { ...w, kind: 'Rollout' as const } : w,
  );

  const slis = observed.http ? httpSlis(pkg.name, observed.http, slos) : [];
  const engine = observed.engine;
  const scope = engine
    ? { namespace: env.namespace, pods: engine.pods, replicas: engine.replicas, statefulSet: engine.statefulSet }
    : undefined;
  const groups: PrometheusRuleGroup[] = [
    ...slis.flatMap((s) =>
      sloRuleGroups({
        service: instance,
        name: s.name,
        objective: s.objective,
        periodDays: slos.periodDays,
        sli: s.sli,
        description: s.description,
        minEventsPerHour: slos.minRequestsPerHour,
        links,
      }),
    ),
    workloadAlerts(env.namespace, workloads, links),
    ...(engine && scope ? [engineAlerts(engine.engine, scope, links)] : []),
  ];
  new PackageRules(chart, 'Rules', { name: pkg.name, labels, groups });
  new DashboardConfigMap(chart, 'Dashboard', {
    name: `${pkg.name}-dashboard`,
    labels,
    dashboard: packageDashboard({
      name: instance,
      title: `B2Connect ${env.name}: ${pkg.name}${ctx.slot ? ` (${ctx.slot})` : ''}`,
      namespace: env.namespace,
      team,
      pods: podsOf({ ...observed, workloads }),
      http: observed.http,
      slos: slis.length > 0,
      engine: engine && scope ? { title: engine.engine, panels: ENGINES[engine.engine].panels(scope) } : undefined,
    }),
  });
}

/** Pod names of a Deployment: `<name>-<ReplicaSet hash>-<suffix>`, both from Kubernetes's safe alphabet. */
export function deploymentPods(name: string): string {
  const safe = '[bcdfghjklmnpqrstvwxz2456789]';
  return `${name}-${safe}+-${safe}{5}`;
}

/** What the build says once for an environment without prometheus-operator; undefined where it runs. */
export function observabilityNote(env: Environment): string | undefined {
  return env.capabilities.prometheusOperator
    ? undefined
    : 'capabilities.prometheusOperator is false: no ServiceMonitor, PodMonitor, PrometheusRule or dashboard is emitted';
}
