import { promqlError, substituteDashboardVariables } from '../../promql';
import { bundleDashboards, bundleQueries } from '../observability';
import type { Finding, Rule } from '../types';

/** Every expression of a rule, an alert, an analysis and a dashboard panel parses as PromQL; every dashboard is JSON. */
export const promqlParses: Rule = {
  id: 'promql-parses',
  why: 'Prometheus refuses a whole rule file for one bad expression, and Grafana shows an error instead of a panel: both only in the cluster',
  check(bundle) {
    const findings: Finding[] = [];
    for (const d of bundleDashboards(bundle)) {
      const invalid = (d.model as { invalid?: string }).invalid;
      if (invalid)
        findings.push({ rule: this.id, object: d.object, message: `${d.key} is not JSON: ${invalid}`, fix: 'write the dashboard as JSON' });
    }
    for (const q of bundleQueries(bundle)) {
      const error = promqlError(q.where, q.dashboard ? substituteDashboardVariables(q.expr) : q.expr);
      if (error) findings.push({ rule: this.id, object: q.object, message: error, fix: 'correct the expression' });
    }
    return findings;
  },
};
