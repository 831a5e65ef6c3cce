import { Construct } from 'constructs';
import type { KubeObject } from '../../kube-object';
import { DashboardConfigMap, GRAFANA_DASHBOARD_LABEL } from './dashboard-config-map';
import { overviewDashboard, type OverviewEntry } from './dashboards';
import type { EnginePanel } from './engines';

/** The panels of a package's dashboard the overview repeats, by title. */
export const OVERVIEW_PANELS = ['Ready pods', 'Restarts (1h)', 'Error budget remaining (period)'] as const;

export interface EnvironmentOverviewProps {
  readonly env: string;
  /** The objects of every package of the environment (a `dependsOnAll` package's `ctx.bundle`). */
  readonly bundle: ReadonlyMap<string, readonly KubeObject[]>;
  readonly labels: Readonly<Record<string, string>>;
  /** Name of the ConfigMap. @default 'overview-dashboard' */
  readonly name?: string;
  /** Namespace of the ConfigMap (a cluster-level package sets it). */
  readonly namespace: string;
}

/**
 * The environment's overview dashboard: a row per package that has a dashboard, repeating its
 * ready pods, restarts and error budget panels (their queries as the package's dashboard has them)
 * and linking to it. Packages in name order.
 */
export class EnvironmentOverview extends Construct {
  public readonly entries: readonly OverviewEntry[];

  constructor(scope: Construct, id: string, props: EnvironmentOverviewProps) {
    super(scope, id);
    this.entries = [...props.bundle.keys()].sort().flatMap((name) =>
      (props.bundle.get(name) ?? [])
        .filter(
          (o) => o.kind === 'ConfigMap' && (o.metadata.labels as Record<string, string> | undefined)?.[GRAFANA_DASHBOARD_LABEL] === '1',
        )
        .flatMap((o) =>
          // A package in several namespaces (blue-green slots) has a row per namespace, named with it.
          Object.values((o.data as Record<string, string> | undefined) ?? {}).map((json) =>
            entryOf(
              o.metadata.namespace && o.metadata.namespace !== props.namespace ? `${name} (${o.metadata.namespace})` : name,
              JSON.parse(json) as DashboardJson,
            ),
          ),
        ),
    );
    new DashboardConfigMap(this, 'Dashboard', {
      name: props.name ?? 'overview-dashboard',
      namespace: props.namespace,
      labels: props.labels,
      dashboard: overviewDashboard(props.env, this.entries),
    });
  }
}

interface DashboardJson {
  readonly uid: string;
  readonly panels?: {
    title?: string;
    fieldConfig?: { defaults?: { unit?: string } };
    targets?: { expr?: string; legendFormat?: string }[];
  }[];
}

function entryOf(name: string, d: DashboardJson): OverviewEntry {
  const panels: EnginePanel[] = OVERVIEW_PANELS.flatMap((title) => {
    const p = (d.panels ?? []).find((x) => x.title === title);
    if (!p) return [];
    return [
      {
        title,
        unit: p.fieldConfig?.defaults?.unit ?? 'short',
        queries: (p.targets ?? []).flatMap((t) => (t.expr ? [{ legend: t.legendFormat ?? '', expr: t.expr }] : [])),
      },
    ];
  });
  return { name, uid: d.uid, panels };
}
