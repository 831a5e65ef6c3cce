import type { KubeObject } from '../check/validate';

/** One violation: which object, which rule, what is wrong and how to fix it. */
export interface Finding {
  readonly rule: string;
  /** `Kind/name` of the offending object. */
  readonly object: string;
  readonly message: string;
  readonly fix: string;
}

/** A whole-bundle rule: one per file in rules/, each with a test that proves it fires and stays quiet. */
export interface Rule {
  readonly id: string;
  /** Why the rule exists, in one line. */
  readonly why: string;
  check(bundle: GateBundle): Finding[];
}

/** A set of pods some object will create, with what the gate needs to know about them. */
export interface PodSource {
  /** The object that creates the pods, as `Kind/name`. */
  readonly owner: string;
  readonly object: KubeObject;
  /** Labels of the pods. For operator-made pods, the labels the operator documents. */
  readonly labels: Readonly<Record<string, string>>;
  /** The pod spec, when the bundle holds it (not for operator-made pods). */
  readonly podSpec?: PodSpec;
  /** Named and numbered container ports the pods listen on; undefined when unknown (operator-made). */
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- pod specs are read field by field
export type PodSpec = Record<string, any>;

export interface GateBundle {
  readonly objects: readonly KubeObject[];
  readonly pods: readonly PodSource[];
  /** Names of Secrets that something in the bundle creates (ExternalSecret targets, certificates, operators). */
  readonly externalSecrets: ReadonlySet<string>;
  /**
   * Whether something in the bundle creates the Secret `name` in `namespace` (one that names no
   * namespace counts for any). Without a namespace, in any namespace.
   */
  createsSecret(name: string, namespace?: string): boolean;
  /**
   * The object of that kind and name; with a namespace, the one in that namespace (or one that names
   * no namespace: it lands in the namespace it is applied to). One name may be in several namespaces
   * (the blue-green slots): a reference resolves in its own.
   */
  find(kind: string, name: string, namespace?: string): KubeObject | undefined;
  ofKind(kind: string): readonly KubeObject[];
  /**
   * The pods a label selector selects (`selects`), through an index by label; with a namespace, those
   * of that namespace only (pods whose owner names no namespace count for any).
   */
  podsSelectedBy(selector: LabelSelector | undefined, namespace?: string): readonly PodSource[];
  /** The objects of a kind whose own labels a selector selects (a ServiceMonitor's Services), through an index by label. */
  selectedBy(kind: string, selector: LabelSelector | undefined): readonly KubeObject[];
}

/** A Kubernetes label selector: matchLabels and matchExpressions. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

export function ref(o: KubeObject): string {
  return `${o.kind}/${o.metadata.name}`;
}

/** Whether every key/value of `selector` is among `labels`. An empty selector selects everything. */
export function matches(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** matchLabels plus matchExpressions (In, NotIn, Exists, DoesNotExist) of a LabelSelector. */
export function selects(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!matches(selector?.matchLabels, labels)) return false;
  return (selector?.matchExpressions ?? []).every((e) => {
    const has = e.key in labels;
    switch (e.operator) {
      case 'In':
        return has && (e.values ?? []).includes(labels[e.key]!);
      case 'NotIn':
        return !has || !(e.values ?? []).includes(labels[e.key]!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}
