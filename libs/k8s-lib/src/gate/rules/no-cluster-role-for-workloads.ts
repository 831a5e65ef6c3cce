import type { KubeObject } from '../../check/validate';
import { NODE_LOG_COLLECTOR } from '../../rules';
import { ref, type Finding, type GateBundle, type PodSpec, type Rule } from '../types';

/** A ServiceAccount some pods of the bundle run as. */
interface WorkloadIdentity {
  readonly name: string;
  /** Undefined when the object names no namespace (the namespace is then the one it is applied to). */
  readonly namespace?: string;
  /** `Kind/name` of the object whose pods run as it. */
  readonly owner: string;
}

/** The ServiceAccounts operators run the pods of a custom resource as. */
const OPERATOR_SERVICE_ACCOUNTS: Record<string, (o: KubeObject & PodSpec) => string> = {
  // The RabbitMQ cluster operator names it <cluster>-server, unless the StatefulSet override names another.
  'rabbitmq.com/RabbitmqCluster': (o) =>
    o.spec?.override?.statefulSet?.spec?.template?.spec?.serviceAccountName ?? `${o.metadata.name}-server`,
  // CloudNativePG creates one named after the cluster, unless spec.serviceAccountName names an existing one.
  'postgresql.cnpg.io/Cluster': (o) => o.spec?.serviceAccountName ?? o.metadata.name,
};

function identities(bundle: GateBundle): WorkloadIdentity[] {
  const of = (o: KubeObject, spec: PodSpec | undefined): WorkloadIdentity => ({
    name: spec?.serviceAccountName ?? spec?.serviceAccount ?? 'default',
    namespace: o.metadata.namespace,
    owner: ref(o),
  });
  const found = bundle.pods.filter((p) => p.podSpec).map((p) => of(p.object, p.podSpec));
  for (const o of bundle.objects) {
    if (o.kind === 'Pod' && !found.some((f) => f.owner === ref(o))) found.push(of(o, o.spec as PodSpec));
    const operator = OPERATOR_SERVICE_ACCOUNTS[`${o.apiVersion.split('/')[0]}/${o.kind}`];
    if (operator) found.push({ name: operator(o), namespace: o.metadata.namespace, owner: ref(o) });
  }
  return found;
}

interface Subject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** The workload identities a binding subject stands for: a ServiceAccount, its user name, or a group holding it. */
function covered(subject: Subject, bindingNamespace: string | undefined, workloads: readonly WorkloadIdentity[]): WorkloadIdentity[] {
  const sameNamespace = (ns: string | undefined, w: WorkloadIdentity) =>
    ns === undefined || w.namespace === undefined || ns === w.namespace;
  if (subject.kind === 'ServiceAccount') {
    const ns = subject.namespace ?? bindingNamespace;
    return workloads.filter((w) => w.name === subject.name && sameNamespace(ns, w));
  }
  if (subject.kind === 'User') {
    const [prefix, group, ns, name] = subject.name.split(':');
    return prefix === 'system' && group === 'serviceaccount' ? workloads.filter((w) => w.name === name && sameNamespace(ns, w)) : [];
  }
  if (subject.kind === 'Group') {
    if (subject.name === 'system:serviceaccounts' || subject.name === 'system:authenticated') return [...workloads];
    const ns = /^system:serviceaccounts:(.+)$/.exec(subject.name)?.[1];
    return ns ? workloads.filter((w) => sameNamespace(ns, w)) : [];
  }
  return [];
}

/**
 * The one kind of ClusterRole a workload may be bound to (docs/decisions/016-node-log-collection.md):
 * one the bundle defines, so its rules are reviewed in the bundle's diff, that only reads pods and
 * namespaces, as the node log collector does to label each line with its pod's and namespace's metadata,
 * bound to the collector's ServiceAccount alone (`NODE_LOG_COLLECTOR`). No other resource (Secrets,
 * ConfigMaps, pods/log, pods/exec), verb, API group, URL or aggregation, and no other subject.
 */
export const POD_METADATA_READER = {
  apiGroups: [''],
  resources: ['namespaces', 'pods'],
  verbs: ['get', 'list', 'watch'],
} as const;

interface PolicyRule {
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly verbs?: readonly string[];
  readonly nonResourceURLs?: readonly string[];
}

/** Whether a binding subject is exactly the node log collector's ServiceAccount. */
function isLogCollector(subject: Subject, bindingNamespace: string | undefined): boolean {
  return (
    subject.kind === 'ServiceAccount' &&
    subject.name === NODE_LOG_COLLECTOR.serviceAccount &&
    (subject.namespace ?? bindingNamespace) === NODE_LOG_COLLECTOR.namespace
  );
}

function onlyReadsPodMetadata(role: KubeObject | undefined): boolean {
  const rules = (role?.rules ?? []) as readonly PolicyRule[];
  const within = (values: readonly string[] | undefined, allowed: readonly string[]) =>
    (values ?? []).length > 0 && (values ?? []).every((v) => allowed.includes(v));
  return (
    role !== undefined &&
    role.aggregationRule === undefined &&
    rules.length > 0 &&
    rules.every(
      (r) =>
        (r.nonResourceURLs ?? []).length === 0 &&
        within(r.apiGroups, POD_METADATA_READER.apiGroups) &&
        within(r.resources, POD_METADATA_READER.resources) &&
        within(r.verbs, POD_METADATA_READER.verbs),
    )
  );
}

/**
 * No ClusterRole is bound to a ServiceAccount that pods of the bundle run as: neither by a
 * ClusterRoleBinding (rights in every namespace) nor by a RoleBinding. A RoleBinding to a ClusterRole
 * is refused too, `view` included: its rules live outside the bundle, where no review sees them, and
 * the built-in roles aggregate the rules of every CRD installed later (`edit` and `admin` read Secrets).
 * A RoleBinding to a Role of the bundle stays allowed: its rules are in the bundle and its diff, and so
 * does a binding to a ClusterRole of the bundle that reads nothing but pods and namespaces
 * (`POD_METADATA_READER`).
 */
export const noClusterRoleForWorkloads: Rule = {
  id: 'no-cluster-role-for-workloads',
  why: "a workload's token is what an attacker gets first; with a ClusterRole (cluster-admin above all) one compromised pod reaches every namespace or the whole cluster",
  check(bundle) {
    const workloads = identities(bundle);
    const findings: Finding[] = [];
    const bindings = bundle.objects.filter(
      (o) => o.apiVersion.startsWith('rbac.authorization.k8s.io/') && (o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding'),
    );
    for (const b of bindings) {
      const roleRef = (b.roleRef ?? {}) as { kind?: string; name?: string };
      if (roleRef.kind !== 'ClusterRole') continue;
      const bindingNamespace = b.kind === 'RoleBinding' ? b.metadata.namespace : undefined;
      if (roleRef.name !== undefined && onlyReadsPodMetadata(bundle.find('ClusterRole', roleRef.name))) {
        // The allowance is the collector's: any other subject (a platform ServiceAccount, a group, a user) fails.
        for (const subject of (b.subjects ?? []) as Subject[]) {
          if (isLogCollector(subject, bindingNamespace)) continue;
          findings.push({
            rule: this.id,
            object: ref(b),
            message: `binds ClusterRole "${roleRef.name}" (reads every pod and namespace) to ${subject.kind} "${subject.name}"${subject.namespace ? ` of namespace ${subject.namespace}` : ''}, which is not the node log collector`,
            fix: `bind it to ServiceAccount ${NODE_LOG_COLLECTOR.serviceAccount} of namespace ${NODE_LOG_COLLECTOR.namespace} alone; grant other workloads a Role in their namespace`,
          });
        }
        continue;
      }
      for (const subject of (b.subjects ?? []) as Subject[]) {
        const hit = covered(subject, bindingNamespace, workloads);
        if (hit.length === 0) continue;
        const who = subject.kind === 'ServiceAccount' ? `ServiceAccount "${subject.name}"` : `${subject.kind} "${subject.name}"`;
        const owners = [...new Set(hit.map((w) => w.owner))].join(', ');
        findings.push({
          rule: this.id,
          object: ref(b),
          message: `binds ClusterRole "${roleRef.name}"${roleRef.name === 'cluster-admin' ? ' (every right on the whole cluster)' : ''} to ${who}, which the pods of ${owners} run as`,
          fix:
            b.kind === 'ClusterRoleBinding'
              ? 'remove the binding; grant what the workload needs with a Role in its namespace that lists the verbs and resources, and a RoleBinding to it'
              : 'bind a Role of the bundle that lists the verbs and resources the workload needs instead of a ClusterRole',
        });
      }
    }
    return findings;
  },
};
