import type { KubeObject } from '../../check/validate';
import { ref, type Finding, type PodSpec, type Rule } from '../types';

const EMPTY_DIR_PATTERN = 'mount an emptyDir at each path it must write (for example /tmp), as the blueprints do for their writablePaths';

/** A container whose root filesystem the rule judges, and where its securityContext is set. */
interface Checked {
  readonly owner: string;
  /** What the message names: `container "web"`. */
  readonly what: string;
  /** The effective readOnlyRootFilesystem. */
  readonly readOnly: unknown;
  readonly fix: string;
}

function containersOf(spec: PodSpec | undefined): PodSpec[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])];
}

function fromPodSpec(owner: string, spec: PodSpec | undefined): Checked[] {
  return containersOf(spec).map((c) => ({
    owner,
    what: `container "${c.name}"`,
    readOnly: c.securityContext?.readOnlyRootFilesystem,
    fix: `set securityContext.readOnlyRootFilesystem: true on it and ${EMPTY_DIR_PATTERN}`,
  }));
}

/**
 * Containers an operator creates from a custom resource. Each entry knows the operator's own
 * default and where the resource overrides it.
 */
const OPERATOR_CONTAINERS: Record<string, (o: KubeObject & PodSpec) => Checked[]> = {
  // The RabbitMQ cluster operator sets no readOnlyRootFilesystem on its containers (rabbitmq,
  // setup-container); spec.override.statefulSet is merged onto its pod template by name.
  'rabbitmq.com/RabbitmqCluster': (o) => {
    const owner = ref(o);
    const where = 'spec.override.statefulSet.spec.template.spec';
    const spec: PodSpec = o.spec?.override?.statefulSet?.spec?.template?.spec ?? {};
    const own = { initContainers: 'setup-container', containers: 'rabbitmq' };
    const extra = (list: keyof typeof own) => (spec[list] ?? []).filter((c: PodSpec) => c.name !== own[list]);
    return [
      ...Object.entries(own).map(([list, name]) => ({
        owner,
        what: `container "${name}"`,
        readOnly: (spec[list] ?? []).find((c: PodSpec) => c.name === name)?.securityContext?.readOnlyRootFilesystem,
        fix: `set ${where}.${list}[name=${name}].securityContext.readOnlyRootFilesystem: true and ${EMPTY_DIR_PATTERN} (${where}.volumes)`,
      })),
      ...fromPodSpec(owner, { initContainers: extra('initContainers'), containers: extra('containers') }),
    ];
  },
  // CloudNativePG gives every container readOnlyRootFilesystem: true unless spec.securityContext
  // replaces its default container security context, which then applies to every container.
  'postgresql.cnpg.io/Cluster': (o) =>
    o.spec?.securityContext === undefined
      ? []
      : [
          {
            owner: ref(o),
            what: 'every container (spec.securityContext)',
            readOnly: o.spec.securityContext.readOnlyRootFilesystem,
            fix: `set spec.securityContext.readOnlyRootFilesystem: true (CloudNativePG mounts the emptyDirs PostgreSQL writes to), or remove spec.securityContext to keep the operator's default`,
          },
        ],
};

/**
 * Every container runs with a read-only root filesystem: pod templates of every workload kind, bare
 * Pods, and the pods operators create from RabbitmqCluster and CloudNativePG Cluster. Kept apart from
 * pod-security-restricted, which mirrors Pod Security "restricted" exactly (that standard does not
 * require a read-only root; this platform does).
 */
export const readOnlyRootFilesystem: Rule = {
  id: 'read-only-root-filesystem',
  why: 'a writable root filesystem lets a compromised process change the image it runs (binaries, configuration, CA certificates) and fills the node disk unbounded; writable paths are emptyDirs with a size limit',
  check(bundle) {
    // Operators' pods are checked below with their own messages (which container the operator adds).
    const ofOperator = (o: KubeObject) => OPERATOR_CONTAINERS[`${o.apiVersion.split('/')[0]}/${o.kind}`] !== undefined;
    const checked: Checked[] = bundle.pods.flatMap((pod) =>
      pod.podSpec && !ofOperator(pod.object) ? fromPodSpec(pod.owner, pod.podSpec) : [],
    );
    const seen = new Set(bundle.pods.filter((p) => p.podSpec).map((p) => p.owner));
    for (const o of bundle.objects) {
      if (o.kind === 'Pod' && !seen.has(ref(o))) checked.push(...fromPodSpec(ref(o), o.spec as PodSpec));
      checked.push(...(OPERATOR_CONTAINERS[`${o.apiVersion.split('/')[0]}/${o.kind}`]?.(o) ?? []));
    }
    return checked
      .filter((c) => c.readOnly !== true)
      .map((c): Finding => ({
        rule: this.id,
        object: c.owner,
        message: `${c.what} has a writable root filesystem (readOnlyRootFilesystem ${c.readOnly === undefined ? 'not set' : `is ${String(c.readOnly)}`})`,
        fix: c.fix,
      }));
  },
};
