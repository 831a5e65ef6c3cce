import { selectedMetrics, substituteDashboardVariables } from '../../promql';
import { bundleQueries, bundleRules } from '../observability';
import type { Finding, Rule } from '../types';

/**
 * Every recorded series an alert, an analysis or a dashboard reads (a name with a colon, the
 * recording-rule convention `level:metric:operations`) is recorded by a rule of the bundle.
 */
export const recordingRulesProduced: Rule = {
  id: 'recording-rules-produced',
  why: 'an expression over a series nobody records is empty: its alert never fires and its panel shows no data, silently',
  check(bundle) {
    const recorded = new Set(bundleRules(bundle).flatMap((r) => (r.record ? [r.record] : [])));
    const findings: Finding[] = [];
    for (const q of bundleQueries(bundle)) {
      for (const metric of selectedMetrics(q.dashboard ? substituteDashboardVariables(q.expr) : q.expr)) {
        if (!metric.includes(':') || recorded.has(metric)) continue;
        findings.push({
          rule: this.id,
          object: q.object,
          message: `${q.where} reads ${metric}, which no recording rule of the bundle produces`,
          fix: 'add the recording rule (or the SLO that records it), or read a series that exists',
        });
      }
    }
    return findings;
  },
};
