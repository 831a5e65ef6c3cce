import { ref, type Finding, type LabelSelector, type Rule } from '../types';

/** A PodDisruptionBudget selects pods of the bundle. */
export const pdbSelectsPods: Rule = {
  id: 'pdb-selects-pods',
  why: 'a budget that selects nothing protects nothing during node drains',
  check(bundle) {
    const findings: Finding[] = [];
    for (const pdb of bundle.ofKind('PodDisruptionBudget')) {
      const selector = (pdb.spec as { selector?: LabelSelector }).selector;
      if (bundle.podsSelectedBy(selector, pdb.metadata.namespace).length === 0) {
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
