import { KEEP_ON_PRUNE } from '../../rules';
import { ref, type Finding, type Rule } from '../types';

/** Kinds whose deletion loses data: a Namespace takes everything in it, a claim takes its volume. */
const KEPT_KINDS = ['Namespace', 'PersistentVolumeClaim'];
const ARGOCD_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
const FLUX_PRUNE = 'kustomize.toolkit.fluxcd.io/prune';

/** Namespaces and PersistentVolumeClaims carry the annotations that keep Argo CD and Flux from deleting them. */
export const keptOnDeletion: Rule = {
  id: 'kept-on-deletion',
  why: 'deleting an Application (resources finalizer) or a pruning Flux Kustomization deletes what it deployed: a Namespace with all its workloads, a claim with its data',
  check(bundle) {
    const findings: Finding[] = [];
    for (const o of bundle.objects.filter((x) => KEPT_KINDS.includes(x.kind))) {
      const annotations = (o.metadata.annotations ?? {}) as Readonly<Record<string, string>>;
      const options = (annotations[ARGOCD_SYNC_OPTIONS] ?? '').split(',').map((s) => s.trim());
      const missing = [
        ...(options.includes('Delete=false') && options.includes('Prune=false')
          ? []
          : [`${ARGOCD_SYNC_OPTIONS}: Delete=false,Prune=false`]),
        ...(annotations[FLUX_PRUNE] === 'disabled' ? [] : [`${FLUX_PRUNE}: disabled`]),
      ];
      if (missing.length > 0) {
        findings.push({
          rule: this.id,
          object: ref(o),
          message: `can be deleted by Argo CD or Flux: annotation ${missing.join(' and ')} missing`,
          fix: `add the annotations of KEEP_ON_PRUNE (${Object.entries(KEEP_ON_PRUNE)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')}) to its metadata`,
        });
      }
    }
    return findings;
  },
};
