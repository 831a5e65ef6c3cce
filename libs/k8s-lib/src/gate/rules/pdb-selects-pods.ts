import { ref, selects, type Finding, type Rule } from '../types';

/** A PodDisruptionBudget selects pods of the bundle. */
export const pdbSelectsPods: Rule = {
  id: 'pdb-selects-pods',
  why: 'a budget that selects nothing protects nothing during node drains',
  check(bundle) {
    const findings: Finding[] = [];
    for (const pdb of bundle.ofKind('PodDisruptionBudget')) {
      const selector = (pdb.spec as { selector?: Parameters<typeof selects>[0] }).selector;
      if (!bundle.pods.some((p) => selects(selector, p.labels))) {
        findings.push({
          rule: this.id,
          object: ref(pdb),
          message: `selector ${JSON.stringify(selector)} matches no pods of the bundle`,
          fix: "use the workload's selector labels",
        });
      }
    }
    return findings;
  },
};
