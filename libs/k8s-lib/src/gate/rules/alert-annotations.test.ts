import { describe, expect, it } from 'vitest';
import { alertRule, check, goodBundle, prometheusRule } from '../../../test/gate-fixtures';
import { alertAnnotations as rule } from './alert-annotations';

describe(rule.id, () => {
  it('stays quiet when every alert has a severity, a summary, a description, a runbook and a dashboard', () => {
    expect(check(rule, [...goodBundle(), prometheusRule([alertRule('up == 0'), { record: 'a:b:c', expr: 'sum(x)' }])])).toEqual([]);
  });

  it('fires when the runbook link is missing', () => {
    const alert = alertRule('up == 0');
    delete alert.annotations.runbook_url;
    expect(check(rule, [...goodBundle(), prometheusRule([alert])])[0]!.message).toBe(
      'groups[0].rules[0] (WebDown) lacks annotation runbook_url',
    );
  });

  it('fires when the severity is missing and when a link is not a URL', () => {
    const alert = alertRule('up == 0', { dashboard_url: 'see grafana' });
    alert.labels = {};
    expect(check(rule, [...goodBundle(), prometheusRule([alert])]).map((f) => f.message)).toEqual([
      'groups[0].rules[0] (WebDown) lacks label severity',
      'groups[0].rules[0] (WebDown) annotation dashboard_url is not an http(s) URL',
    ]);
  });
});
