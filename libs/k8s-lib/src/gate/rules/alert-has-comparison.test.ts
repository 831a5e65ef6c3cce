import { describe, expect, it } from 'vitest';
import { alertRule, check, goodBundle, prometheusRule } from '../../../test/gate-fixtures';
import { alertHasComparison as rule } from './alert-has-comparison';

describe(rule.id, () => {
  it('stays quiet for alerts that compare or use absent(), and ignores recording rules', () => {
    const rules = [
      alertRule('up == 0'),
      alertRule('absent(up{job="web"})'),
      alertRule('(a > 1) and (b < 2)'),
      alertRule('(a > 1) or (b < 2)'),
      alertRule('(max(a > 1) without (w) and max(b > 1) without (w)) and on() (sum(increase(c[1h])) >= 10)'),
      { record: 'job:x:rate5m', expr: 'rate(x[5m])' },
    ];
    expect(check(rule, [...goodBundle(), prometheusRule(rules)])).toEqual([]);
  });

  it('fires when an alert has no comparison, or only a bool one', () => {
    const findings = check(rule, [...goodBundle(), prometheusRule([alertRule('rate(errors[5m])'), alertRule('up == bool 0')])]);
    expect(findings.map((f) => f.message)).toEqual([
      'groups[0].rules[0] (WebDown) has no comparison: it fires for every series',
      'groups[0].rules[1] (WebDown) has no comparison: it fires for every series',
    ]);
  });

  it('fires when the comparison does not decide the result: one operand of or, the right side of and', () => {
    const findings = check(rule, [
      ...goodBundle(),
      prometheusRule([alertRule('rate(x[5m]) or (y > 1)'), alertRule('rate(x[5m]) and on() (y > 1)')]),
    ]);
    expect(findings.map((f) => f.message)).toEqual([
      'groups[0].rules[0] (WebDown) has no comparison: it fires for every series',
      'groups[0].rules[1] (WebDown) has no comparison: it fires for every series',
    ]);
  });
});
