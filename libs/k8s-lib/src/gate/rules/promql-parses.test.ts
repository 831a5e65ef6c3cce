import { describe, expect, it } from 'vitest';
import { alertRule, check, dashboardConfigMap, goodBundle, prometheusRule } from '../../../test/gate-fixtures';
import { promqlParses as rule } from './promql-parses';

describe(rule.id, () => {
  it('stays quiet on rules, analyses and dashboard queries that parse (Grafana variables included)', () => {
    const analysis = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'web' },
      spec: { metrics: [{ name: 'errors', provider: { prometheus: { query: 'sum(rate(x{service="{{args.service}}"}[2m]))' } } }] },
    };
    const objects = [
      ...goodBundle(),
      prometheusRule([{ record: 'job:x:rate5m', expr: 'sum by (job) (rate(x[5m]))' }, alertRule('up{job="web"} == 0')]),
      analysis,
      dashboardConfigMap(['sum(rate(x{namespace="$namespace"}[$__rate_interval]))']),
    ];
    expect(check(rule, objects)).toEqual([]);
  });

  it('fires when an alert expression does not parse', () => {
    const [finding] = check(rule, [...goodBundle(), prometheusRule([alertRule('sum(rate(x[5m]) > 1')])]);
    expect(finding!.object).toBe('PrometheusRule/web');
    expect(finding!.message).toMatch(/^groups\[0\]\.rules\[0\] \(WebDown\): PromQL does not parse: syntax error at column \d+/);
  });

  it('fires when a dashboard query does not parse, and when a dashboard is not JSON', () => {
    const broken = dashboardConfigMap(['rate(x[5m']);
    expect(check(rule, [...goodBundle(), broken])[0]!.message).toMatch(
      /^web\.json: panels\[0\]\.targets\[0\] \("p0"\): PromQL does not parse/,
    );
    const notJson = { ...broken, data: { 'web.json': '{"panels": [' } };
    expect(check(rule, [...goodBundle(), notJson])[0]!.message).toMatch(/^web\.json is not JSON/);
  });
});
