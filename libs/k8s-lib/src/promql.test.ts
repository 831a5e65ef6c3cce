import { describe, expect, it } from 'vitest';
import {
  hasComparison,
  labelSurvives,
  promqlError,
  promqlProblems,
  resultLabels,
  selectedMetrics,
  substituteDashboardVariables,
  substitutePlaceholders,
} from './promql';

describe('promqlProblems', () => {
  it('accepts valid expressions, including rule and analysis placeholders', () => {
    expect(promqlProblems('sum(rate(http_requests_total{job="catalog"}[5m])) by (code) > 0.01')).toEqual([]);
    expect(promqlProblems('histogram_quantile(0.95, sum by (le) (rate(x_bucket{service="{{args.service}}"}[2m])))')).toEqual([]);
    expect(promqlProblems('up{job="{{ $labels.job }}"} == 0')).toEqual([]);
  });

  it('reports an unbalanced parenthesis, a dangling operator and an empty expression with their column', () => {
    expect(promqlProblems('sum(rate(x[5m])')[0]?.column).toBeGreaterThan(0);
    const dangling = promqlProblems('sum(rate(x[5m])) >');
    expect(dangling).not.toEqual([]);
    expect(dangling[0]?.message).toMatch(/syntax error at column \d+/);
    expect(promqlProblems('  ')).toEqual([{ column: 1, message: 'the expression is empty' }]);
  });

  it('reports a misspelled range selector', () => {
    expect(promqlProblems('rate(x[5m)')).not.toEqual([]);
  });

  it('names where the expression is', () => {
    expect(promqlError('rules[0].expr', 'rate(x[5m]) >')).toMatch(/^rules\[0\]\.expr: PromQL does not parse: syntax error at column/);
    expect(promqlError('rules[0].expr', 'rate(x[5m]) > 1')).toBeUndefined();
  });

  it('substitutes placeholders with plain names of the same length', () => {
    expect(substitutePlaceholders('a{{b}}c')).toBe('axxxxxc');
  });
});

describe('PromQL analysis', () => {
  it('substitutes Grafana variables so that dashboard queries parse as Prometheus runs them', () => {
    expect(substituteDashboardVariables('rate(x{ns="$namespace", a="${app}"}[$__rate_interval])')).toBe(
      'rate(x{ns="xxxxxxxxxx", a="xxxxxx"}[5m])',
    );
  });

  it('lists the metrics an expression selects, once each', () => {
    expect(selectedMetrics('sum(rate(a_total[5m])) / sum(rate(a_total[5m])) > on() slo:x:ratio')).toEqual(['a_total', 'slo:x:ratio']);
  });

  it('tells a filtering comparison from a bool one', () => {
    expect(hasComparison('x > 1')).toBe(true);
    expect(hasComparison('x > bool 1')).toBe(false);
    expect(hasComparison('rate(x[5m])')).toBe(false);
  });

  it('counts a comparison only where it decides the result', () => {
    // Through parentheses, aggregations, functions that keep the series, arithmetic.
    expect(hasComparison('max(slo:x:ratio_rate5m > (14.4 * 0.001)) without (sloth_window)')).toBe(true);
    expect(hasComparison('label_replace(up == 0, "a", "$1", "b", "(.*)")')).toBe(true);
    expect(hasComparison('(errors > 0) / total')).toBe(true);
    // `or`: every operand; `and`, `unless`: the left one.
    expect(hasComparison('(a > 1) or (b < 2)')).toBe(true);
    expect(hasComparison('rate(x[5m]) or (y > 1)')).toBe(false);
    expect(hasComparison('(y > 1) or rate(x[5m])')).toBe(false);
    expect(hasComparison('(a > 1 and b > 1) and on() (c >= 10)')).toBe(true);
    expect(hasComparison('rate(x[5m]) and on() (c >= 10)')).toBe(false);
    expect(hasComparison('rate(x[5m]) unless (y > 1)')).toBe(false);
    // A comparison inside a function that makes new series, or a scalar, does not filter.
    expect(hasComparison('sum(rate(x[5m])) / scalar(y > 1)')).toBe(false);
    expect(hasComparison('vector(count(y > 1))')).toBe(false);
  });

  it('follows group_left: the many side keeps its labels and gains the included ones', () => {
    const set = resultLabels('a * on(job) group_left(team) b > 0');
    expect(labelSurvives(set, 'pod')).toBe(true);
    expect(labelSurvives(set, 'team')).toBe(true);
    const byJob = resultLabels('sum by (job) (a) * on(job) group_left(team) sum by (job, team) (b) > 0');
    expect(labelSurvives(byJob, 'team')).toBe(true);
    expect(labelSurvives(byJob, 'pod')).toBe(false);
  });
});

describe('resultLabels on expressions that differ in their strings only', () => {
  const labels = (set: ReturnType<typeof resultLabels>) => (set.open ? { except: [...set.except] } : { only: [...set.only] });

  it('reads the labels a string literal adds from each expression’s own text', () => {
    expect(labels(resultLabels('label_replace(sum by (job) (up), "team", "$1", "job", "(.*)")'))).toEqual({ only: ['job', 'team'] });
    expect(labels(resultLabels('label_replace(sum by (job) (up), "owner", "$1", "job", "(.*)")'))).toEqual({ only: ['job', 'owner'] });
    expect(labels(resultLabels('label_join(sum by (a, b) (up), "ab", ",", "a", "b")'))).toEqual({ only: ['a', 'b', 'ab'] });
    expect(labels(resultLabels('count_values by (job) ("version", build_info)'))).toEqual({ only: ['job', 'version'] });
    expect(labels(resultLabels('count_values by (job) ("release", build_info)'))).toEqual({ only: ['job', 'release'] });
  });

  it('gives the same labels to expressions that differ in their label values', () => {
    expect(labels(resultLabels('absent(up{job="orders", team="shop"})'))).toEqual({ only: ['job', 'team'] });
    expect(labels(resultLabels('absent(up{job="search", team="find"})'))).toEqual({ only: ['job', 'team'] });
    expect(labels(resultLabels('sum by (job) (rate(x{job="a"}[5m])) > 1'))).toEqual({ only: ['job'] });
    expect(labels(resultLabels('sum by (job) (rate(x{job="b"}[5m])) > 1'))).toEqual({ only: ['job'] });
  });
});

describe('promqlProblems on many expressions', () => {
  it('reports an error in one of many expressions that differ in their label values only, quoting its own text', () => {
    for (const job of ['a', 'b', 'c']) expect(promqlProblems(`sum(rate(x{job="${job}"}[5m])) > 1`)).toEqual([]);
    const [problem] = promqlProblems('rate(x{job="catalog"}[5m)');
    expect(problem?.message).toMatch(/near ".*talog.*"/);
    // An unterminated string is a syntax error, not a masked literal.
    expect(promqlProblems('up{job="a} == 0')).not.toEqual([]);
  });
});
