import { type Finding, type PodSpec, type Rule } from '../types';

/**
 * ConfigMaps, Secrets, ServiceAccounts and claims a pod refers to exist in the bundle in the pod's
 * namespace, or are created there by something in it.
 */
export const referencesResolve: Rule = {
  id: 'references-resolve',
  why: 'a pod that refers to a missing ConfigMap, Secret or ServiceAccount never starts (CreateContainerConfigError, FailedCreate)',
  check(bundle) {
    const findings: Finding[] = [];
    for (const pod of bundle.pods) {
      if (!pod.podSpec) continue;
      const spec: PodSpec = pod.podSpec;
      // A pod reads these from its own namespace only.
      const ns = pod.object.metadata.namespace;
      const add = (what: string, name: string, fix: string) =>
        findings.push({ rule: this.id, object: pod.owner, message: `${what} "${name}" does not exist`, fix });
      const configMap = (name: string, optional?: boolean) => {
        if (!optional && !bundle.find('ConfigMap', name, ns)) add('ConfigMap', name, 'add the ConfigMap to the package or fix the name');
      };
      const secret = (name: string, optional?: boolean) => {
        if (!optional && !bundle.find('Secret', name, ns) && !bundle.createsSecret(name, ns)) {
          add('Secret', name, 'create it with an ExternalSecret (never a Secret with data) or fix the name');
        }
      };
      if (spec.serviceAccountName && spec.serviceAccountName !== 'default' && !bundle.find('ServiceAccount', spec.serviceAccountName, ns)) {
        add('ServiceAccount', spec.serviceAccountName, 'add the ServiceAccount to the package');
      }
      for (const v of spec.volumes ?? []) {
        if (v.configMap) configMap(v.configMap.name, v.configMap.optional);
        if (v.secret) secret(v.secret.secretName, v.secret.optional);
        if (v.persistentVolumeClaim && !bundle.find('PersistentVolumeClaim', v.persistentVolumeClaim.claimName, ns)) {
          add('PersistentVolumeClaim', v.persistentVolumeClaim.claimName, 'add the claim to the package');
        }
      }
      for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        for (const from of c.envFrom ?? []) {
          if (from.configMapRef) configMap(from.configMapRef.name, from.configMapRef.optional);
          if (from.secretRef) secret(from.secretRef.name, from.secretRef.optional);
        }
        for (const e of c.env ?? []) {
          if (e.valueFrom?.configMapKeyRef) configMap(e.valueFrom.configMapKeyRef.name, e.valueFrom.configMapKeyRef.optional);
          if (e.valueFrom?.secretKeyRef) secret(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.optional);
        }
      }
    }
    return findings;
  },
};
