import { NODE_LOG_COLLECTOR } from '../../rules';
import { type Finding, type GateBundle, type PodSource, type Rule, type PodSpec } from '../types';

const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** The Pod Security label a Namespace enforces its level with. */
export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/**
 * The one exemption from "restricted" (docs/decisions/016-node-log-collection.md): the node log
 * collector (`NODE_LOG_COLLECTOR`: pods of its namespace that run as its ServiceAccount), when the
 * bundle's Namespace object of that namespace enforces Pod Security "privileged", may mount these host
 * paths, read-only in every container that mounts them, to read the nodes' container logs. Any other
 * pod, namespace or ServiceAccount is refused as before. Every other check of "restricted" still applies
 * to its pods; "baseline" forbids hostPath volumes, so no lower level works.
 */
export const NODE_LOG_PATHS: readonly string[] = ['/var/log'];

/** Why a hostPath volume of a pod is refused, or undefined when the node-log exemption admits it. */
function hostPathRefusal(bundle: GateBundle, pod: PodSource, volume: PodSpec): { message: string; fix: string } | undefined {
  const namespace = pod.object.metadata.namespace;
  const labels = namespace ? (bundle.find('Namespace', namespace)?.metadata.labels as Record<string, string> | undefined) : undefined;
  const level = labels?.[ENFORCE_LABEL];
  const path = String(volume.hostPath?.path ?? '').replace(/\/+$/, '') || '/';
  const account = pod.podSpec?.serviceAccountName ?? pod.podSpec?.serviceAccount ?? 'default';
  const general = {
    message: `volume "${volume.name}" is of type hostPath`,
    fix: `use one of ${ALLOWED_VOLUMES.join(', ')}; only the node log collector (ServiceAccount ${NODE_LOG_COLLECTOR.serviceAccount} in namespace ${NODE_LOG_COLLECTOR.namespace}, labelled ${ENFORCE_LABEL}: privileged) may mount ${NODE_LOG_PATHS.join(', ')} read-only`,
  };
  const collector = namespace === NODE_LOG_COLLECTOR.namespace && account === NODE_LOG_COLLECTOR.serviceAccount;
  if (!collector || level !== 'privileged' || !NODE_LOG_PATHS.includes(path)) return general;
  const containers: PodSpec[] = [
    ...(pod.podSpec?.initContainers ?? []),
    ...(pod.podSpec?.containers ?? []),
    ...(pod.podSpec?.ephemeralContainers ?? []),
  ];
  const writable = containers.filter((c) => (c.volumeMounts ?? []).some((m: PodSpec) => m.name === volume.name && m.readOnly !== true));
  if (writable.length === 0) return undefined;
  return {
    message: `hostPath volume "${volume.name}" (${path}) is mounted writable by ${writable.map((c) => `container "${c.name}"`).join(', ')}`,
    fix: 'set readOnly: true on every volumeMount of it',
  };
}

/**
 * Pod Security Standard "restricted" (Kubernetes 1.28), checked on every pod template, init containers
 * included, in every namespace: a namespace labelled "privileged" changes one thing only, the read-only
 * node-log hostPath above.
 */
export const podSecurityRestricted: Rule = {
  id: 'pod-security-restricted',
  why: 'the namespace enforces Pod Security "restricted": a pod that breaks it is rejected at admission, late and far from the cause',
  check(bundle) {
    const findings: Finding[] = [];
    for (const pod of bundle.pods) {
      if (!pod.podSpec) continue;
      const spec: PodSpec = pod.podSpec;
      const add = (message: string, fix: string) => findings.push({ rule: this.id, object: pod.owner, message, fix });
      for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
        if (spec[field] === true) add(`${field} is true`, `remove ${field}`);
      }
      for (const v of spec.volumes ?? []) {
        const type = Object.keys(v).find((k) => k !== 'name');
        if (type === 'hostPath') {
          const refusal = hostPathRefusal(bundle, pod, v);
          if (refusal) add(refusal.message, refusal.fix);
        } else if (type && !ALLOWED_VOLUMES.includes(type))
          add(`volume "${v.name}" is of type ${type}`, `use one of ${ALLOWED_VOLUMES.join(', ')}`);
      }
      const podCtx = spec.securityContext ?? {};
      const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
      for (const c of containers) {
        const sc = c.securityContext ?? {};
        const where = `container "${c.name}"`;
        if (sc.privileged === true) add(`${where} is privileged`, 'set securityContext.privileged: false');
        if (sc.allowPrivilegeEscalation !== false)
          add(`${where} allows privilege escalation`, 'set securityContext.allowPrivilegeEscalation: false');
        if (!(sc.capabilities?.drop ?? []).includes('ALL'))
          add(`${where} does not drop all capabilities`, 'set securityContext.capabilities.drop: [ALL]');
        const added = (sc.capabilities?.add ?? []).filter((cap: string) => cap !== 'NET_BIND_SERVICE');
        if (added.length > 0) add(`${where} adds capabilities ${added.join(', ')}`, 'add no capability other than NET_BIND_SERVICE');
        if ((sc.runAsNonRoot ?? podCtx.runAsNonRoot) !== true)
          add(`${where} may run as root`, 'set securityContext.runAsNonRoot: true on the pod or the container');
        if ((sc.runAsUser ?? podCtx.runAsUser) === 0) add(`${where} runs as user 0`, 'run as a non-zero user');
        const seccomp = sc.seccompProfile?.type ?? podCtx.seccompProfile?.type;
        if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
          add(`${where} has no seccomp profile`, 'set seccompProfile.type: RuntimeDefault on the pod');
        for (const p of c.ports ?? [])
          if (p.hostPort) add(`${where} uses hostPort ${p.hostPort}`, 'remove hostPort; expose through a Service');
      }
    }
    return findings;
  },
};
