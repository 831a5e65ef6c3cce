import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DashboardLinkType } from '@grafana/grafana-foundation-sdk/dashboard';
import type { DashboardModel } from './dashboards';

/**
 * What a client-side apply may store of an object: `kubectl apply` and Argo CD keep the whole object
 * in the `kubectl.kubernetes.io/last-applied-configuration` annotation, and annotations are limited
 * to 256 KiB together.
 */
export const APPLY_ANNOTATION_LIMIT = 262144;

/** The label Grafana's dashboard sidecar (kube-prometheus-stack, the grafana chart) watches for. */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';

/** The annotation the sidecar reads the Grafana folder from (`sidecar.dashboards.folderAnnotation`). */
export const GRAFANA_FOLDER_ANNOTATION = 'grafana_folder';

export interface DashboardConfigMapProps {
  /** Name of the ConfigMap (and the prefix of its parts). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly dashboard: DashboardModel;
  /** @default 'B2Connect' */
  readonly folder?: string;
  /** @default - the chart's */
  readonly namespace?: string;
  /** Largest ConfigMap, as the apply annotation holds it. @default APPLY_ANNOTATION_LIMIT */
  readonly limit?: number;
}

/**
 * A dashboard as a ConfigMap for Grafana's sidecar (label `grafana_dashboard: "1"`, key `<uid>.json`),
 * in the package's namespace. A dashboard too large for the apply annotation is split by its rows into
 * parts (`<name>-part-1`, ...), each its own dashboard (`<uid>-p1`, ...) linked to the others; the
 * sidecar cannot read compressed data. A single row too large for one ConfigMap is an error, never a
 * ConfigMap the apply would refuse.
 */
export class DashboardConfigMap extends Construct {
  /** The dashboards as written, one per ConfigMap. */
  public readonly parts: readonly { readonly configMap: string; readonly dashboard: DashboardModel }[];

  constructor(scope: Construct, id: string, props: DashboardConfigMapProps) {
    super(scope, id);
    const limit = props.limit ?? APPLY_ANNOTATION_LIMIT;
    const folder = props.folder ?? 'B2Connect';
    const manifest = (name: string, d: DashboardModel) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        ...(props.namespace ? { namespace: props.namespace } : {}),
        labels: { ...props.labels, [GRAFANA_DASHBOARD_LABEL]: '1' },
        annotations: { [GRAFANA_FOLDER_ANNOTATION]: folder },
      },
      data: { [`${d.uid}.json`]: dashboardJson(d) },
    });
    // In bytes, as the annotation holds it (UTF-8).
    const size = (m: ReturnType<typeof manifest>) => Buffer.byteLength(JSON.stringify(m));
    const whole = manifest(props.name, props.dashboard);
    const parts = size(whole) <= limit ? [{ configMap: props.name, dashboard: props.dashboard, manifest: whole }] : [];
    if (parts.length === 0) {
      // The parts' names are not known while packing: measure with the longest a part of n gets.
      const sizer = (d: DashboardModel, n: number) => size(manifest(`${props.name}-part-${Math.max(99, n)}`, d));
      // Each part was measured as the longest a part gets (split checks it): as written, with its own
      // number and no more links, it is no larger.
      for (const part of split(props.name, props.dashboard, sizer, limit))
        parts.push({ ...part, manifest: manifest(part.configMap, part.dashboard) });
    }
    this.parts = parts.map(({ configMap, dashboard }) => ({ configMap, dashboard }));
    for (const [i, part] of parts.entries()) {
      const m = part.manifest;
      new k8s.KubeConfigMap(this, parts.length === 1 ? 'Resource' : `Part${i + 1}`, { metadata: m.metadata, data: m.data });
    }
  }
}

/** The dashboard's JSON: keys in the SDK's order, two-space indent, a final newline. */
export function dashboardJson(d: DashboardModel): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}

type AnyPanel = NonNullable<DashboardModel['panels']>[number];

/** The dashboard's panels in chunks that each start at a row. */
function rows(d: DashboardModel): AnyPanel[][] {
  const chunks: AnyPanel[][] = [];
  for (const p of d.panels ?? []) {
    if (p.type === 'row' || chunks.length === 0) chunks.push([p]);
    else chunks[chunks.length - 1]!.push(p);
  }
  return chunks;
}

/** How many bytes (UTF-8) `s` takes as a JSON string value, without its quotes. */
const quotedLength = (s: string) => Buffer.byteLength(JSON.stringify(s)) - 2;

/**
 * The manifest's length for a part is its length without panels, plus each panel's text: the
 * dashboard's JSON writes `"panels": []` empty, and otherwise `[`, newline, each panel at an indent of
 * four (every line of it) with `,` and a newline between them, newline, `  ]`, all quoted once more inside the ConfigMap.
 * Packing adds up these lengths instead of writing every candidate part again.
 */
function split(name: string, d: DashboardModel, size: (d: DashboardModel, n: number) => number, limit: number) {
  const partOf = (panels: AnyPanel[], i: number, n: number): DashboardModel => ({
    ...d,
    uid: `${d.uid}-p${i + 1}`,
    title: `${d.title} (${i + 1}/${n})`,
    panels,
    links: Array.from({ length: n }, (_, j) => ({
      title: `${d.title} (${j + 1}/${n})`,
      type: DashboardLinkType.Link,
      url: `/d/${d.uid}-p${j + 1}`,
      asDropdown: false,
      icon: 'dashboard',
      includeVars: true,
      keepTime: true,
      tags: [],
      targetBlank: false,
      tooltip: '',
    })),
  });
  const panelLength = (p: AnyPanel) => {
    const text = JSON.stringify(p, null, 2);
    let newlines = 0;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) newlines++;
    // Four spaces before each of its lines; `,` and a newline after it (one too many for the last
    // panel, which has the closing newline instead).
    return quotedLength(text) + 4 * (newlines + 1) + quotedLength(',\n');
  };
  const chunks = rows(d).map((panels) => ({ panels, length: panels.reduce((sum, p) => sum + panelLength(p), 0) }));
  if (chunks.length === 0)
    throw new Error(`dashboard ${d.uid}: larger than a ConfigMap the apply annotation holds, and it has no panels to split by`);
  // `[`, newline, the panels, newline, `  ]`, in place of `[]`.
  const framing = quotedLength('[\n') - quotedLength(',\n') + quotedLength('\n  ]') - quotedLength('[]');
  // Pack rows greedily. The links to the other parts depend on how many there are: pack for a count,
  // and pack again for the count that came out until it stays.
  const pack = (n: number) => {
    // Measured as the last part, the longest: its number has the most digits, in its uid, title and key.
    const empty = size(partOf([], n - 1, n), n) + framing;
    const groups: { panels: AnyPanel[]; length: number }[] = [];
    for (const chunk of chunks) {
      const last = groups[groups.length - 1];
      if (last && last.length + chunk.length <= limit) {
        last.panels.push(...chunk.panels);
        last.length += chunk.length;
      } else {
        if (empty + chunk.length > limit) {
          const title = (chunk.panels[0] as { title?: string }).title ?? '';
          throw new Error(
            `dashboard ${d.uid}: the row "${title}" alone is larger than a ConfigMap the apply annotation holds; give it fewer panels or split it into rows`,
          );
        }
        groups.push({ panels: [...chunk.panels], length: empty + chunk.length });
      }
    }
    return groups;
  };
  let n = 2;
  let packed = pack(n);
  while (packed.length > n) packed = pack((n = packed.length));
  // The sums are the lengths of the parts as measured: every part is measured once for real, so that
  // a mistake in them fails every split instead of only the one where a part ends up over the limit.
  for (const g of packed) {
    const measured = size(partOf(g.panels, n - 1, n), n);
    if (measured !== g.length) throw new Error(`dashboard ${d.uid}: a part measures ${measured} bytes, ${g.length} were counted`);
  }
  const groups = packed.map((g) => g.panels);
  return groups.map((panels, i) => ({ configMap: `${name}-part-${i + 1}`, dashboard: partOf(panels, i, groups.length) }));
}
