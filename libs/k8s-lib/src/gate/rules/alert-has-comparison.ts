import { hasComparison } from '../../promql';
import { bundleRules } from '../observability';
import type { Finding, Rule } from '../types';

/**
 * Every alert's expression compares (a filtering comparison operator, or absent()) where it decides
 * the result: at the top, on every operand of `or`, on the left of `and` / `unless` (hasComparison).
 */
export const alertHasComparison: Rule = {
  id: 'alert-has-comparison',
  why: 'an alert without a threshold fires for every series it selects, whatever their value',
  check(bundle) {
    return bundleRules(bundle).flatMap((r): Finding[] =>
      r.alert && !hasComparison(r.expr)
        ? [
            {
              rule: this.id,
              object: r.object,
              message: `${r.where} has no comparison: it fires for every series`,
              fix: 'compare with a threshold (> 0.05), without bool, or use absent(), on every operand of or and on the left of and / unless',
            },
          ]
        : [],
    );
  },
};
