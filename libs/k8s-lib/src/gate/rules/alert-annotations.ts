import { bundleRules } from '../observability';
import type { Finding, Rule } from '../types';

/** What every alert carries: its severity (a label) and what the person paged needs (annotations). */
export const ALERT_LABELS = ['severity'] as const;
export const ALERT_ANNOTATIONS = ['summary', 'description', 'runbook_url', 'dashboard_url'] as const;

/** Every alert has a severity, a summary, a description, a runbook link and a dashboard link. */
export const alertAnnotations: Rule = {
  id: 'alert-annotations',
  why: 'an alert without a severity is routed nowhere, and one without a runbook or dashboard leaves the person paged guessing',
  check(bundle) {
    const findings: Finding[] = [];
    for (const r of bundleRules(bundle)) {
      if (!r.alert) continue;
      const missing = [
        ...ALERT_LABELS.filter((l) => !r.labels[l]?.trim()).map((l) => `label ${l}`),
        ...ALERT_ANNOTATIONS.filter((a) => !r.annotations[a]?.trim()).map((a) => `annotation ${a}`),
      ];
      const links = (['runbook_url', 'dashboard_url'] as const).filter((a) => r.annotations[a] && !/^https?:\/\//.test(r.annotations[a]));
      if (missing.length > 0)
        findings.push({
          rule: this.id,
          object: r.object,
          message: `${r.where} lacks ${missing.join(', ')}`,
          fix: 'give the alert every one of them',
        });
      for (const a of links)
        findings.push({
          rule: this.id,
          object: r.object,
          message: `${r.where} annotation ${a} is not an http(s) URL`,
          fix: 'link to the page',
        });
    }
    return findings;
  },
};
