import type { KubeObject } from '../check/validate';
import { ref, selects, type GateBundle, type LabelSelector, type PodSource, type PodSpec } from './types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are read field by field
type Any = any;

/** Where each workload kind keeps its pod template. */
const TEMPLATE_PATHS: Record<string, (o: Any) => Any> = {
  Deployment: (o) => o.spec?.template,
  StatefulSet: (o) => o.spec?.template,
  DaemonSet: (o) => o.spec?.template,
  ReplicaSet: (o) => o.spec?.template,
  Job: (o) => o.spec?.template,
  CronJob: (o) => o.spec?.jobTemplate?.spec?.template,
  Rollout: (o) => o.spec?.template,
  // A bare Pod is its own template.
  Pod: (o) => ({ metadata: o.metadata, spec: o.spec }),
};

/**
 * The pod template an operator's custom resource overrides, merged by the operator over its own: the
 * containers it names are the ones the rules can check (the RabbitMQ operator's `rabbitmq` and
 * `setup-container`).
 */
const OPERATOR_TEMPLATES: Record<string, (o: Any) => Any> = {
  'rabbitmq.com/RabbitmqCluster': (o) => o.spec?.override?.statefulSet?.spec?.template,
};

/** Pods that operators create from a custom resource, with the labels they document. */
const OPERATOR_PODS: Record<string, (o: Any) => Record<string, string>[]> = {
  // CloudNativePG labels instances with the cluster name and their current role.
  'postgresql.cnpg.io/Cluster': (o) =>
    ['primary', 'replica'].map((role) => ({
      'cnpg.io/cluster': o.metadata.name,
      'cnpg.io/instanceRole': role,
      'cnpg.io/podRole': 'instance',
    })),
  // The RabbitMQ cluster operator labels nodes with the cluster name.
  'rabbitmq.com/RabbitmqCluster': (o) => [
    { 'app.kubernetes.io/name': o.metadata.name, 'app.kubernetes.io/component': 'rabbitmq', 'app.kubernetes.io/part-of': 'rabbitmq' },
  ],
};

/** Secrets that operators create for a custom resource. */
const OPERATOR_SECRETS: Record<string, (o: Any) => string[]> = {
  'external-secrets.io/ExternalSecret': (o) => [o.spec?.target?.name ?? o.metadata.name],
  'cert-manager.io/Certificate': (o) => [o.spec?.secretName],
  'postgresql.cnpg.io/Cluster': (o) => [
    `${o.metadata.name}-app`,
    `${o.metadata.name}-ca`,
    `${o.metadata.name}-server`,
    `${o.metadata.name}-replication`,
  ],
  'rabbitmq.com/RabbitmqCluster': (o) => [`${o.metadata.name}-default-user`, `${o.metadata.name}-erlang-cookie`],
};

function groupKind(o: KubeObject): string {
  return `${o.apiVersion.split('/')[0]}/${o.kind}`;
}

/** Indexes the objects of one environment for the rules. */
export function gateBundle(objects: readonly KubeObject[]): GateBundle {
  const pods: PodSource[] = [];
  const externalSecrets = new Set<string>();
  // `namespace/name` of the Secrets made in a namespace, and the names of those made where applied.
  const secretsIn = new Set<string>();
  const secretsAnywhere = new Set<string>();
  for (const o of objects) {
    const template = TEMPLATE_PATHS[o.kind]?.(o);
    if (template) {
      const podSpec = template.spec as PodSpec;
      const ports = [...(podSpec?.containers ?? [])].flatMap((c: Any) => c.ports ?? []);
      pods.push({ owner: ref(o), object: o, labels: template.metadata?.labels ?? {}, podSpec, ports });
    }
    const overridden = OPERATOR_TEMPLATES[groupKind(o)]?.(o)?.spec as PodSpec | undefined;
    for (const labels of OPERATOR_PODS[groupKind(o)]?.(o) ?? []) pods.push({ owner: ref(o), object: o, labels, podSpec: overridden });
    for (const name of OPERATOR_SECRETS[groupKind(o)]?.(o) ?? []) {
      if (!name) continue;
      externalSecrets.add(name);
      if (o.metadata.namespace === undefined) secretsAnywhere.add(name);
      else secretsIn.add(`${o.metadata.namespace}/${name}`);
    }
  }
  const byKey = new Map(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
  const inNamespace = new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
  const byKind = new Map<string, KubeObject[]>();
  for (const o of objects) {
    const same = byKind.get(o.kind);
    if (same) same.push(o);
    else byKind.set(o.kind, [o]);
  }
  // Pods by each of their labels: a selector's candidates are the pods of its rarest label, so that
  // matching every selector of an environment costs about the number of selectors, not their product
  // with the number of pods.
  const podIndex = new LabelIndex(pods, (pod) => pod.labels);
  // Objects of a kind by their own labels, indexed the first time a rule asks for that kind.
  const kindIndexes = new Map<string, LabelIndex<KubeObject>>();
  const kindIndex = (kind: string) => {
    let index = kindIndexes.get(kind);
    if (!index) kindIndexes.set(kind, (index = new LabelIndex(byKind.get(kind) ?? [], ownLabels)));
    return index;
  };
  return {
    objects,
    pods,
    externalSecrets,
    createsSecret: (name, namespace) =>
      namespace === undefined ? externalSecrets.has(name) : secretsIn.has(`${namespace}/${name}`) || secretsAnywhere.has(name),
    find: (kind, name, namespace) =>
      namespace === undefined
        ? byKey.get(`${kind}/${name}`)
        : (inNamespace.get(`${kind}/${namespace}/${name}`) ?? inNamespace.get(`${kind}//${name}`)),
    ofKind: (kind) => byKind.get(kind) ?? [],
    podsSelectedBy(selector, namespace) {
      return podIndex
        .selectedBy(selector)
        .filter(
          (pod) => namespace === undefined || pod.object.metadata.namespace === undefined || pod.object.metadata.namespace === namespace,
        );
    },
    selectedBy: (kind, selector) => kindIndex(kind).selectedBy(selector),
  };
}

const ownLabels = (o: KubeObject) => (o.metadata.labels as Record<string, string> | undefined) ?? {};

/** Items by each `key=value` of their labels: what a selector selects, from the items of its rarest label. */
class LabelIndex<T> {
  private readonly byLabel = new Map<string, T[]>();

  constructor(
    private readonly items: readonly T[],
    private readonly labelsOf: (item: T) => Readonly<Record<string, string>>,
  ) {
    for (const item of items) {
      for (const [k, v] of Object.entries(labelsOf(item))) {
        const key = `${k}=${v}`;
        const same = this.byLabel.get(key);
        if (same) same.push(item);
        else this.byLabel.set(key, [item]);
      }
    }
  }

  /** The items `selects` selects, in their order. */
  selectedBy(selector: LabelSelector | undefined): T[] {
    let candidates = this.items;
    for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) {
      const withLabel = this.byLabel.get(`${k}=${v}`) ?? [];
      if (withLabel.length < candidates.length) candidates = withLabel;
    }
    return candidates.filter((item) => selects(selector, this.labelsOf(item)));
  }
}
