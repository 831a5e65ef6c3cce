import { describe, expect, it } from 'vitest';
import { promqlError, promqlProblems, substitutePlaceholders } from './promql';

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
