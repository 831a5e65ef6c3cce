import { type Finding, type Rule, type PodSpec } from '../types';

const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** Pod Security Standard "restricted" (Kubernetes 1.28), checked on every pod template, init containers included. */
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
        if (type && !ALLOWED_VOLUMES.includes(type))
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
