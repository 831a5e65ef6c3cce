import { gunzipSync } from 'node:zlib';
import type { KubeObject } from '../check/validate';
import { ref, type GateBundle } from './types';

// What the observability rules read of a bundle: the rules of every PrometheusRule, the queries of
// every Argo Rollouts analysis and of every dashboard ConfigMap. Each is read once per bundle and
// shared by the rules (they only read it).

/** `read(bundle)`, once per bundle. */
function perBundle<T>(read: (bundle: GateBundle) => T): (bundle: GateBundle) => T {
  const results = new WeakMap<GateBundle, T>();
  return (bundle) => {
    if (!results.has(bundle)) results.set(bundle, read(bundle));
    return results.get(bundle)!;
  };
}

export interface BundleRule {
  readonly object: string;
  /** `groups[i].rules[j]` (alert or record name). */
  readonly where: string;
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export const bundleRules = perBundle((bundle): readonly BundleRule[] =>
  bundle.ofKind('PrometheusRule').flatMap((o) => {
    const groups = ((o.spec as { groups?: unknown[] } | undefined)?.groups ?? []) as {
      name?: string;
      rules?: { record?: string; alert?: string; expr?: unknown; labels?: Record<string, string>; annotations?: Record<string, string> }[];
    }[];
    return groups.flatMap((g, i) =>
      (g.rules ?? []).map((r, j) => ({
        object: ref(o),
        where: `groups[${i}].rules[${j}] (${r.alert ?? r.record ?? '?'})`,
        record: r.record,
        alert: r.alert,
        expr: String(r.expr ?? ''),
        labels: r.labels ?? {},
        annotations: r.annotations ?? {},
      })),
    );
  }),
);

/** The label a dashboard ConfigMap carries for Grafana's sidecar. */
const DASHBOARD_LABEL = 'grafana_dashboard';

/** A query and where it is. */
export interface BundleQuery {
  readonly object: string;
  readonly where: string;
  readonly expr: string;
  /** Written for Grafana (its variables substituted before parsing). */
  readonly dashboard: boolean;
}

function dashboardsOf(o: KubeObject): { key: string; model: unknown }[] {
  const out: { key: string; model: unknown }[] = [];
  const data = (o.data as Record<string, string> | undefined) ?? {};
  const binary = (o.binaryData as Record<string, string> | undefined) ?? {};
  for (const [key, text] of Object.entries(data)) if (key.endsWith('.json')) out.push({ key, model: parseJson(text) });
  for (const [key, b64] of Object.entries(binary)) {
    if (key.endsWith('.json.gz')) out.push({ key, model: parseJson(gunzipSync(Buffer.from(b64, 'base64')).toString('utf8')) });
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    return { invalid: (e as Error).message };
  }
}

/** The dashboards of the bundle's ConfigMaps labelled for Grafana's sidecar, parsed (or why not). */
export const bundleDashboards = perBundle((bundle): readonly { object: string; key: string; model: unknown }[] =>
  bundle
    .ofKind('ConfigMap')
    .filter((o) => (o.metadata.labels as Record<string, string> | undefined)?.[DASHBOARD_LABEL] === '1')
    .flatMap((o) => dashboardsOf(o).map((d) => ({ object: ref(o), ...d }))),
);

/** Every PromQL expression of a dashboard's panels (rows' panels included), with where it is. */
export function dashboardQueries(model: unknown): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  const visit = (panels: unknown, path: string) => {
    if (!Array.isArray(panels)) return;
    panels.forEach((raw, i) => {
      const p = raw as { title?: string; targets?: { expr?: unknown }[]; panels?: unknown };
      (p.targets ?? []).forEach((t, j) => {
        if (typeof t.expr === 'string') out.push({ where: `${path}[${i}].targets[${j}] ("${p.title ?? ''}")`, expr: t.expr });
      });
      visit(p.panels, `${path}[${i}].panels`);
    });
  };
  visit((model as { panels?: unknown } | null)?.panels, 'panels');
  return out;
}

/** The queries of Argo Rollouts analyses (AnalysisTemplate, ClusterAnalysisTemplate) with a Prometheus provider. */
function analysisQueries(bundle: GateBundle): BundleQuery[] {
  return ['AnalysisTemplate', 'ClusterAnalysisTemplate'].flatMap((kind) =>
    bundle.ofKind(kind).flatMap((o) =>
      (
        ((o.spec as { metrics?: unknown[] } | undefined)?.metrics ?? []) as {
          name?: string;
          provider?: { prometheus?: { query?: string } };
        }[]
      ).flatMap((m, i) => {
        const query = m.provider?.prometheus?.query;
        return typeof query === 'string'
          ? [{ object: ref(o), where: `metrics[${i}] (${m.name ?? '?'})`, expr: query, dashboard: false }]
          : [];
      }),
    ),
  );
}

/** Every PromQL expression the bundle ships: rules, analyses and dashboard panels. */
export const bundleQueries = perBundle((bundle): readonly BundleQuery[] => [
  ...bundleRules(bundle).map((r) => ({ object: r.object, where: r.where, expr: r.expr, dashboard: false })),
  ...analysisQueries(bundle),
  ...bundleDashboards(bundle).flatMap((d) =>
    dashboardQueries(d.model).map((q) => ({ object: d.object, where: `${d.key}: ${q.where}`, expr: q.expr, dashboard: true })),
  ),
]);

/**
 * The namespaces a ServiceMonitor or PodMonitor watches, as prometheus-operator reads
 * `spec.namespaceSelector`: `any: true` every one (undefined), `matchNames` those, else the monitor's
 * own (one that names no namespace lands where it is applied: any, undefined).
 */
export function monitoredNamespaces(monitor: KubeObject): readonly string[] | undefined {
  const selector = (monitor.spec as { namespaceSelector?: { any?: boolean; matchNames?: string[] } } | undefined)?.namespaceSelector;
  if (selector?.any) return undefined;
  if (selector?.matchNames && selector.matchNames.length > 0) return selector.matchNames;
  return monitor.metadata.namespace === undefined ? undefined : [monitor.metadata.namespace];
}
