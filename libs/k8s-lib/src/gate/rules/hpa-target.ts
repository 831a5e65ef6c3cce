import { ref, type Finding, type Rule } from '../types';

/** An HPA's target exists in the bundle and leaves the replica count to the HPA. */
export const hpaTarget: Rule = {
  id: 'hpa-target',
  why: 'an HPA on a missing target does nothing, and fixed replicas on its target make every deploy fight the autoscaler',
  check(bundle) {
    const findings: Finding[] = [];
    for (const hpa of bundle.ofKind('HorizontalPodAutoscaler')) {
      const target = (hpa.spec as { scaleTargetRef: { apiVersion?: string; kind: string; name: string } }).scaleTargetRef;
      const found = bundle.find(target.kind, target.name);
      // The API group counts: a Rollout is argoproj.io's, a Deployment apps'.
      const workload = found && group(found.apiVersion) === group(target.apiVersion ?? '') ? found : undefined;
      if (!workload) {
        findings.push({
          rule: this.id,
          object: ref(hpa),
          message: !found
            ? `target ${target.kind}/${target.name} is not in the bundle`
            : target.apiVersion === undefined
              ? `target ${target.kind}/${target.name}: scaleTargetRef.apiVersion is missing (the workload is ${found.apiVersion})`
              : `target ${target.kind}/${target.name} is ${found.apiVersion}, not ${target.apiVersion}`,
          fix: found ? `set scaleTargetRef.apiVersion to ${found.apiVersion}` : 'point scaleTargetRef at a workload of the bundle',
        });
      } else if ((workload.spec as { replicas?: number } | undefined)?.replicas !== undefined) {
        findings.push({
          rule: this.id,
          object: ref(hpa),
          message: `target ${target.kind}/${target.name} sets replicas`,
          fix: 'remove spec.replicas from the target: the HPA owns it',
        });
      }
    }
    return findings;
  },
};

/** The API group of an apiVersion (`apps` of apps/v1; '' for the core group). */
function group(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
}
