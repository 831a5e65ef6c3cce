import { describe, expect, it } from 'vitest';
import { alertRule, check, dashboardConfigMap, goodBundle, prometheusRule } from '../../../test/gate-fixtures';
import { recordingRulesProduced as rule } from './recording-rules-produced';

describe(rule.id, () => {
  it('stays quiet when every recorded series read is recorded in the bundle', () => {
    const objects = [
      ...goodBundle(),
      prometheusRule([
        { record: 'slo:sli_error:ratio_rate5m', expr: 'sum(rate(errors[5m])) / sum(rate(total[5m]))' },
        alertRule('slo:sli_error:ratio_rate5m > 0.01'),
      ]),
      dashboardConfigMap(['slo:sli_error:ratio_rate5m', 'rate(http_requests_total[$__rate_interval])']),
    ];
    expect(check(rule, objects)).toEqual([]);
  });

  it('fires when an alert reads a recording rule nobody produces', () => {
    const [finding] = check(rule, [...goodBundle(), prometheusRule([alertRule('slo:sli_error:ratio_rate1h > 0.01')])]);
    expect(finding!.message).toBe(
      'groups[0].rules[0] (WebDown) reads slo:sli_error:ratio_rate1h, which no recording rule of the bundle produces',
    );
  });

  it('fires when a dashboard reads a recording rule nobody produces', () => {
    const [finding] = check(rule, [...goodBundle(), dashboardConfigMap(['slo:period_error_budget_remaining:ratio{sloth_service="web"}'])]);
    expect(finding!.object).toBe('ConfigMap/web-dashboard');
    expect(finding!.message).toContain('reads slo:period_error_budget_remaining:ratio');
  });
});
