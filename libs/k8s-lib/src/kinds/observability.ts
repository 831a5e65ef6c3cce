import type { Chart } from 'cdk8s';
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

/** Bucket boundaries of OpenTelemetry's http.server.request.duration (the .NET default): a latency SLI counts requests in one. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] as const;

const objective = z.number().gt(0).lt(100).describe('Share of good events the SLO promises over its period, in percent (99.9).');

export const SlosSchema = z.strictObject({
  /** Length of the SLO period in days; the burn-rate alerts scale to it. @default 30 */
  periodDays: z.int().min(7).max(90).default(30),
  /** Share of requests answered without a server error (5xx); false: none. @default { objective: 99.9 } */
  availability: z.union([z.literal(false), z.strictObject({ objective })]).default({ objective: 99.9 }),
  /** Share of requests answered within `thresholdSeconds` (a bucket boundary of the duration histogram); false: none. @default { objective: 99, thresholdSeconds: 0.5 } */
  latency: z
    .union([
      z.literal(false),
      z.strictObject({
        objective,
        thresholdSeconds: z.number().refine((t) => (HTTP_DURATION_BUCKETS as readonly number[]).includes(t), {
          message: `must be a bucket boundary of http.server.request.duration (${HTTP_DURATION_BUCKETS.join(', ')})`,
        }),
      }),
    ])
    .default({ objective: 99, thresholdSeconds: 0.5 }),
  /** Fewest requests in the last hour for a page: below it one error does not page (the ticket alerts still fire). @default 10 */
  minRequestsPerHour: z.int().min(0).default(10),
});
export type Slos = z.output<typeof SlosSchema>;

/** Where the runbooks of the platform's own alerts are: the anchors of docs/observability.md. */
export const RUNBOOKS_URL = 'https://git.b2connect.com/platform/deploy/-/blob/main/docs/observability.md';

/** Grafana of an environment. */
export const grafanaUrl = (env: Environment) => `https://grafana.${env.domain}`;

/** OpenTelemetry's HTTP server duration histogram, as Prometheus names it. */
const HTTP_METRIC = 'http_server_request_duration_seconds';

/** `le` of a bucket as the exporter or Prometheus 3 (which normalizes to floats) writes it. */
function bucketMatcher(seconds: number): string {
  return Number.isInteger(seconds) ? `le=~"${seconds}|${seconds}\\\\.0"` : `le="${seconds}"`;
}

function httpSlis(job: string, namespace: string, slos: Slos): { name: string; objective: number; sli: Sli; description: string }[] {
  const sel = `job="${job}", namespace="${namespace}"`;
  const total = (w: string) => `sum(rate(${HTTP_METRIC}_count{${sel}}[${w}]))`;
  const events = (w: string) => `sum(increase(${HTTP_METRIC}_count{${sel}}[${w}]))`;
  const out: { name: string; objective: number; sli: Sli; description: string }[] = [];
  if (slos.availability) {
    out.push({
      name: 'requests-availability',
      objective: slos.availability.objective,
      description: `${slos.availability.objective} % of the requests to ${job} are answered without a server error (5xx).`,
      sli: {
        errorRatio: (w) => `(sum(rate(${HTTP_METRIC}_count{${sel}, http_response_status_code=~"5.."}[${w}])))\n/\n(${total(w)} > 0)`,
        events,
      },
    });
  }
  if (slos.latency) {
    const t = slos.latency.thresholdSeconds;
    out.push({
      name: 'requests-latency',
      objective: slos.latency.objective,
      description: `${slos.latency.objective} % of the requests to ${job} are answered within ${t * 1000} ms.`,
      sli: {
        errorRatio: (w) => `(${total(w)}\n-\nsum(rate(${HTTP_METRIC}_bucket{${sel}, ${bucketMatcher(t)}}[${w}])))\n/\n(${total(w)} > 0)`,
        events,
      },
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
    if (ctx.value !== undefined && !observed?.httpJob) {
      throw new ConfigError(ctx.pkg.file, [
        {
          path: 'slos',
          message:
            'SLOs are measured on the HTTP server metrics of a web service with a metrics port (ports.metrics); this package exports none',
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
  const uid = dashboardUid(pkg.name);
  const links: AlertLinks = {
    runbook: (alert) => `${RUNBOOKS_URL}#${alert.toLowerCase()}`,
    dashboard: `${grafanaUrl(env)}/d/${uid}`,
  };
  if (observed.scrape) new MetricsMonitor(chart, 'MetricsMonitor', { name: pkg.name, labels, target: observed.scrape });

  const slis = observed.httpJob ? httpSlis(observed.httpJob, env.namespace, slos) : [];
  const engine = observed.engine;
  const scope = engine
    ? { namespace: env.namespace, pods: engine.pods, replicas: engine.replicas, statefulSet: engine.statefulSet }
    : undefined;
  const groups: PrometheusRuleGroup[] = [
    ...slis.flatMap((s) =>
      sloRuleGroups({
        service: pkg.name,
        name: s.name,
        objective: s.objective,
        periodDays: slos.periodDays,
        sli: s.sli,
        description: s.description,
        minEventsPerHour: slos.minRequestsPerHour,
        links,
      }),
    ),
    workloadAlerts(env.namespace, observed.workloads, links.dashboard),
    ...(engine && scope ? [engineAlerts(engine.engine, scope, links)] : []),
  ];
  new PackageRules(chart, 'Rules', { name: pkg.name, labels, groups });
  new DashboardConfigMap(chart, 'Dashboard', {
    name: `${pkg.name}-dashboard`,
    labels,
    dashboard: packageDashboard({
      name: pkg.name,
      title: `B2Connect ${env.name}: ${pkg.name}`,
      namespace: env.namespace,
      team,
      pods: podsOf(observed),
      httpJob: observed.httpJob,
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
