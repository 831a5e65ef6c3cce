import { createHash } from 'node:crypto';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { EnginePanel } from './engines';
import type { HttpMetrics } from './http-metrics';

// Grafana dashboards built with the typed Grafana Foundation SDK: the SDK's builders check every
// field's type at compile time and write the dashboard model Grafana reads (schemaVersion included).

/** The dashboard JSON model, as the SDK defines it. */
export type DashboardModel = dashboard.Dashboard;

/** Grafana's longest UID. */
const UID_MAX = 40;

/** A stable UID from a name: the name itself when it fits, else its head and a hash of the whole. */
export function dashboardUid(name: string): string {
  const uid = `b2c-${name}`;
  if (uid.length <= UID_MAX) return uid;
  const hash = createHash('sha256').update(uid).digest('hex').slice(0, 8);
  return `${uid.slice(0, UID_MAX - 9)}-${hash}`;
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** A panel of queries; the SDK places it in the grid. */
function panel(p: EnginePanel, width = 8): timeseries.PanelBuilder {
  const b = new timeseries.PanelBuilder().title(p.title).unit(p.unit).datasource(DATASOURCE).height(8).span(width);
  p.queries.forEach((q, i) =>
    b.withTarget(
      new prometheus.DataqueryBuilder()
        .datasource(DATASOURCE)
        .expr(q.expr)
        .legendFormat(q.legend)
        .refId(String.fromCharCode(65 + i)),
    ),
  );
  return b;
}

/** What a package's dashboard shows. */
export interface PackageDashboardProps {
  readonly name: string;
  readonly title: string;
  readonly namespace: string;
  readonly team: string;
  /** Regular expression (fully anchored) of the package's pod names. */
  readonly pods: string;
  /** Its HTTP request metrics. @default - no traffic panels */
  readonly http?: HttpMetrics;
  /** The package has SLOs (Sloth's series with `sloth_service` = name). @default false */
  readonly slos?: boolean;
  /** Panels of the store's engine. @default - none */
  readonly engine?: { readonly title: string; readonly panels: readonly EnginePanel[] };
}

/**
 * A package's dashboard: request rate, errors and latency percentiles (for HTTP services), saturation
 * (CPU and memory against limits), pods and restarts, the SLOs' budget and burn rate, the engine's
 * panels for a store.
 */
export function packageDashboard(p: PackageDashboardProps): DashboardModel {
  const pods = `namespace="${p.namespace}", pod=~"${p.pods}"`;
  const b = new dashboard.DashboardBuilder(p.title)
    .uid(dashboardUid(p.name))
    .tags(['b2connect', `team:${p.team}`])
    .description(`Generated from the package definition of ${p.name}; edits in Grafana are overwritten.`)
    .editable()
    .timezone('browser')
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .withVariable(new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'));
  if (p.http) {
    const h = p.http;
    const rate = (extra = '') => `rate(${h.count(extra)}[$__rate_interval])`;
    b.withRow(new dashboard.RowBuilder('Traffic'))
      .withPanel(
        panel({ title: 'Request rate', unit: 'reqps', queries: [{ legend: `{{${h.route}}}`, expr: `sum by (${h.route}) (${rate()})` }] }),
      )
      .withPanel(
        panel({
          title: 'Errors (5xx share)',
          unit: 'percentunit',
          queries: [{ legend: 'errors', expr: `sum(${rate(h.serverError)}) / sum(${rate()})` }],
        }),
      )
      .withPanel(
        panel({
          title: 'Latency',
          unit: 's',
          queries: [0.5, 0.9, 0.99].map((q) => ({
            legend: `p${q * 100}`,
            expr: `histogram_quantile(${q}, sum by (le) (rate(${h.allBuckets()}[$__rate_interval])))`,
          })),
        }),
      );
  }
  if (p.engine) {
    b.withRow(new dashboard.RowBuilder(p.engine.title));
    for (const e of p.engine.panels) b.withPanel(panel(e));
  }
  b.withRow(new dashboard.RowBuilder('Saturation'))
    .withPanel(
      panel(
        {
          title: 'CPU',
          unit: 'short',
          queries: [
            {
              legend: 'used {{pod}}',
              expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${pods}, container!=""}[$__rate_interval]))`,
            },
            { legend: 'limit {{pod}}', expr: `sum by (pod) (kube_pod_container_resource_limits{${pods}, resource="cpu"})` },
          ],
        },
        12,
      ),
    )
    .withPanel(
      panel(
        {
          title: 'Memory',
          unit: 'bytes',
          queries: [
            { legend: 'working set {{pod}}', expr: `sum by (pod) (container_memory_working_set_bytes{${pods}, container!=""})` },
            { legend: 'limit {{pod}}', expr: `sum by (pod) (kube_pod_container_resource_limits{${pods}, resource="memory"})` },
          ],
        },
        12,
      ),
    )
    .withRow(new dashboard.RowBuilder('Pods'))
    .withPanel(
      panel(
        {
          title: 'Ready pods',
          unit: 'short',
          queries: [{ legend: 'ready', expr: `sum(kube_pod_status_ready{${pods}, condition="true"})` }],
        },
        12,
      ),
    )
    .withPanel(
      panel(
        {
          title: 'Restarts (1h)',
          unit: 'short',
          queries: [{ legend: '{{pod}}', expr: `sum by (pod) (increase(kube_pod_container_status_restarts_total{${pods}}[1h]))` }],
        },
        12,
      ),
    );
  if (p.slos) {
    const slo = `sloth_service="${p.name}"`;
    b.withRow(new dashboard.RowBuilder('SLOs'))
      .withPanel(
        panel(
          {
            title: 'Error budget remaining (period)',
            unit: 'percentunit',
            queries: [{ legend: '{{sloth_slo}}', expr: `slo:period_error_budget_remaining:ratio{${slo}}` }],
          },
          12,
        ),
      )
      .withPanel(
        panel(
          { title: 'Burn rate (5m)', unit: 'short', queries: [{ legend: '{{sloth_slo}}', expr: `slo:current_burn_rate:ratio{${slo}}` }] },
          12,
        ),
      );
  }
  return b.build();
}

/** One package in the environment overview: its dashboard and the panels of it the overview repeats. */
export interface OverviewEntry {
  readonly name: string;
  readonly uid: string;
  readonly panels: readonly EnginePanel[];
}

/** The environment's overview: a row per package with the panels it repeats from the package's dashboard, linked to it. */
export function overviewDashboard(env: string, entries: readonly OverviewEntry[]): DashboardModel {
  const b = new dashboard.DashboardBuilder(`B2Connect ${env}: overview`)
    .uid(dashboardUid('overview'))
    .tags(['b2connect', 'overview'])
    .description('Every package of the environment, from their own dashboards; generated, edits in Grafana are overwritten.')
    .editable()
    .timezone('browser')
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .withVariable(new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'));
  for (const e of entries) {
    const link = new dashboard.DashboardLinkBuilder(`${e.name} dashboard`).type(dashboard.DashboardLinkType.Link).url(`/d/${e.uid}`);
    b.withRow(new dashboard.RowBuilder(e.name));
    for (const p of e.panels) b.withPanel(panel({ ...p, title: `${e.name}: ${p.title}` }).links([link]));
  }
  return b.build();
}
