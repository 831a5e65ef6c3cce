// PromQL checked before it is written: every expression of a recording rule, an alert, a canary
// analysis or a dashboard panel is parsed with Prometheus's own grammar (@prometheus-io/lezer-promql),
// so a typo fails the build instead of failing silently in the cluster.
import { parser } from '@prometheus-io/lezer-promql';

/** One syntax error of an expression: the 1-based column and the text around it. */
export interface PromqlProblem {
  readonly column: number;
  readonly message: string;
}

/**
 * Placeholders of Argo Rollouts analysis templates (`{{args.service}}`) and of Prometheus rule
 * templates (`{{ $labels.job }}`) replaced by a plain name, so that the expression the controller
 * will run is what gets parsed.
 */
const PLACEHOLDER = /\{\{[^}]*\}\}/g;

export function substitutePlaceholders(expr: string): string {
  return expr.replace(PLACEHOLDER, (m) => 'x'.repeat(Math.max(1, m.length)));
}

/** The syntax errors of a PromQL expression after its placeholders are substituted; empty when it parses. */
export function promqlProblems(expr: string): PromqlProblem[] {
  const text = substitutePlaceholders(expr);
  if (text.trim() === '') return [{ column: 1, message: 'the expression is empty' }];
  const problems: PromqlProblem[] = [];
  parser.parse(text).iterate({
    enter: (node) => {
      if (!node.type.isError) return;
      const near = text.slice(Math.max(0, node.from - 10), node.to + 10).replace(/\s+/g, ' ');
      problems.push({ column: node.from + 1, message: `syntax error at column ${node.from + 1}, near "${near}"` });
    },
  });
  return problems;
}

/** An error message naming where the expression is, or undefined when it parses. */
export function promqlError(where: string, expr: string): string | undefined {
  const [first] = promqlProblems(expr);
  return first ? `${where}: PromQL does not parse: ${first.message}` : undefined;
}
