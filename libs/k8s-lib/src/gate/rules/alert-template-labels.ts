import { labelSurvives, resultLabels } from '../../promql';
import { bundleRules } from '../observability';
import type { Finding, Rule } from '../types';

/** `$labels.x` and `.Labels.x` in templates. */
const LABEL_USE = /\$labels\.([A-Za-z_][A-Za-z0-9_]*)|\.Labels\.([A-Za-z_][A-Za-z0-9_]*)/g;

/** Every label an alert's annotations or labels template uses survives its expression's aggregations and matching. */
export const alertTemplateLabels: Rule = {
  id: 'alert-template-labels',
  why: 'a label the expression aggregates away renders as an empty string: the page says "Pod / is crash looping"',
  check(bundle) {
    const findings: Finding[] = [];
    for (const r of bundleRules(bundle)) {
      if (!r.alert) continue;
      const labels = resultLabels(r.expr);
      for (const [field, template] of [
        ...Object.entries(r.annotations).map(([k, v]) => [`annotations.${k}`, v] as const),
        ...Object.entries(r.labels).map(([k, v]) => [`labels.${k}`, v] as const),
      ]) {
        for (const m of template.matchAll(LABEL_USE)) {
          const label = m[1] ?? m[2]!;
          if (labelSurvives(labels, label)) continue;
          findings.push({
            rule: this.id,
            object: r.object,
            message: `${r.where} ${field} uses the label "${label}", which the expression does not keep`,
            fix: `keep "${label}" in the expression (by (${label}), on (${label}), ...) or do not use it in the template`,
          });
        }
      }
    }
    return findings;
  },
};
