import { describe, expect, it } from 'vitest';
import { alertRule, check, goodBundle, prometheusRule } from '../../../test/gate-fixtures';
import { alertTemplateLabels as rule } from './alert-template-labels';

const withDescription = (expr: string, description: string) => prometheusRule([alertRule(expr, { description })]);

describe(rule.id, () => {
  it('stays quiet when the labels the templates use survive the expression', () => {
    const cases = [
      ['sum by (namespace, pod) (kube_pod_status_phase{phase="Failed"}) > 0', 'Pod {{ $labels.namespace }}/{{ $labels.pod }}'],
      ['max(slo:sli_error:ratio_rate5m > 0.01) without (sloth_window)', '{{ $labels.sloth_service }}'],
      ['rate(x[5m]) / ignoring(le) rate(y[5m]) > 1', '{{ $labels.job }}'],
      ['absent(up{job="web"})', '{{ $labels.job }}'],
      ['label_replace(up, "svc", "$1", "job", "(.*)") == 0', '{{ $labels.svc }}'],
      ['a > 1 and on() b > 2', '{{ $labels.pod }}'],
    ];
    for (const [expr, description] of cases) expect(check(rule, [...goodBundle(), withDescription(expr!, description!)]), expr).toEqual([]);
  });

  it('fires when an aggregation drops a label the description uses', () => {
    const [finding] = check(rule, [
      ...goodBundle(),
      withDescription('sum by (namespace) (kube_pod_status_phase) > 0', 'Pod {{ $labels.pod }}'),
    ]);
    expect(finding!.message).toBe(
      'groups[0].rules[0] (WebDown) annotations.description uses the label "pod", which the expression does not keep',
    );
  });

  it('fires for labels dropped by without, on(), a plain aggregation, histogram_quantile and an or with a label-less side', () => {
    const dropped = [
      ['sum without (pod) (x) > 0', 'pod'],
      ['x / on(job) y > 1', 'pod'],
      ['count(x) > 1', 'namespace'],
      ['histogram_quantile(0.9, rate(x_bucket[5m])) > 1', 'le'],
      ['(count(x == 0) or on() vector(0)) != 1', 'namespace'],
    ];
    for (const [expr, label] of dropped) {
      const findings = check(rule, [...goodBundle(), withDescription(expr!, `{{ $labels.${label} }}`)]);
      expect(
        findings.map((f) => f.message),
        expr,
      ).toEqual([expect.stringContaining(`"${label}"`)]);
    }
  });
});
