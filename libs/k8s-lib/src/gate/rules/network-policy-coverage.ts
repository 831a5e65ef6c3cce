import { type Finding, type LabelSelector, type Rule } from '../types';

/** Every workload's pods are selected by a NetworkPolicy of their own (the namespace default-deny does not count). */
export const networkPolicyCoverage: Rule = {
  id: 'network-policy-coverage',
  why: 'under default-deny a pod without its own policy can neither serve nor call anything; without default-deny it is wide open',
  check(bundle) {
    const findings: Finding[] = [];
    const policies = bundle
      .ofKind('NetworkPolicy')
      .map((p) => ({ selector: (p.spec as { podSelector?: LabelSelector }).podSelector, namespace: p.metadata.namespace }));
    const specific = policies.filter(
      ({ selector: s }) => Object.keys(s?.matchLabels ?? {}).length > 0 || (s?.matchExpressions ?? []).length > 0,
    );
    // A NetworkPolicy selects pods of its own namespace only.
    const covered = new Set(specific.flatMap(({ selector, namespace }) => bundle.podsSelectedBy(selector, namespace)));
    for (const pod of bundle.pods) {
      if (!covered.has(pod)) {
        findings.push({
          rule: this.id,
          object: pod.owner,
          message: `pods ${JSON.stringify(pod.labels)} are selected by no NetworkPolicy`,
          fix: 'declare what the package talks to in dependsOn so its NetworkPolicy is emitted, or emit one in the package',
        });
      }
    }
    return findings;
  },
};
