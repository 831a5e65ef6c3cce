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

/** Entries each remembered function keeps at most: a long-lived process starts again past it. */
const MAX_TREES = 100_000;

/**
 * A function of a string, remembered: a bundle holds tens of thousands of expressions, each read by
 * several rules of the gate, and the rules of many services share their structure.
 */
function remembered<T>(compute: (key: string) => T): (key: string) => T {
  const results = new Map<string, T>();
  return (key) => {
    let result = results.get(key);
    if (result === undefined) {
      if (results.size >= MAX_TREES) results.clear();
      results.set(key, (result = compute(key)));
    }
    return result;
  };
}

/** Syntax trees by text, each parsed once. */
const parse = remembered((text: string) => parser.parse(text));

/** The expression node at the top of a text's tree. */
const topOf = (text: string) => parse(text).topNode.firstChild;

/** String literals of PromQL (double, single and back quotes, with escapes). */
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;

/**
 * The text with the contents of its string literals masked, lengths kept: what the syntax and the
 * structure of an expression depend on. The rules of 200 services differ in their label values only
 * (`job="catalog"`), so they share one tree here.
 */
function structureOf(text: string): string {
  return text.replace(STRING_LITERAL, (m) => m[0] + 'x'.repeat(m.length - 2) + m[m.length - 1]);
}

/** An expression with its placeholders substituted (`text`), and that text's structure. */
const prepared = remembered((expr: string) => {
  const text = substitutePlaceholders(expr);
  return { text, structure: structureOf(text) };
});

/** The syntax errors of a PromQL expression after its placeholders are substituted; empty when it parses. */
export function promqlProblems(expr: string): PromqlProblem[] {
  const { text, structure } = prepared(expr);
  if (text.trim() === '') return [{ column: 1, message: 'the expression is empty' }];
  // Parsed with its strings masked (positions unchanged), quoted from the text itself.
  return errorsOf(structure).map(({ from, to }) => {
    const near = text.slice(Math.max(0, from - 10), to + 10).replace(/\s+/g, ' ');
    return { column: from + 1, message: `syntax error at column ${from + 1}, near "${near}"` };
  });
}

/** Where the syntax errors of a structure are, found once per structure. */
const errorsOf = remembered((structure: string): readonly { from: number; to: number }[] => {
  const found: { from: number; to: number }[] = [];
  parse(structure).iterate({
    enter: (node) => {
      if (node.type.isError) found.push({ from: node.from, to: node.to });
    },
  });
  return found;
});

/** An error message naming where the expression is, or undefined when it parses. */
export function promqlError(where: string, expr: string): string | undefined {
  const [first] = promqlProblems(expr);
  return first ? `${where}: PromQL does not parse: ${first.message}` : undefined;
}

// What the rules of the policy gate read of an expression beyond its syntax, from the same syntax tree.

type SyntaxNode = ReturnType<ReturnType<typeof parser.parse>['topNode']['getChild']> & {};

/**
 * Grafana's variables in a dashboard query replaced by what they stand for at query time: the
 * interval variables by a duration, any other `$var` or `${var}` by a plain name.
 */
export const substituteDashboardVariables = remembered((expr: string) =>
  expr
    .replace(/\$__(rate_interval|interval|range)(_ms|_s)?\b/g, '5m')
    .replace(/\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*/g, (m) => 'x'.repeat(Math.max(1, m.length))),
);

function descendants(node: SyntaxNode, name: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (n: SyntaxNode) => {
    for (const c of children(n)) {
      if (c.name === name) out.push(c);
      visit(c);
    }
  };
  visit(node);
  return out;
}

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/** The metric names an expression selects (`name{...}`, not `{__name__=...}`), in order of appearance, once each. */
export function selectedMetrics(expr: string): string[] {
  return [...metricsOf(prepared(expr).structure)];
}

/** Metric names are outside string literals: the structure has them as the text does. */
const metricsOf = remembered((structure: string): readonly string[] => {
  const names: string[] = [];
  parse(structure).iterate({
    enter: (n) => {
      if (n.name === 'VectorSelector') {
        const id = n.node.getChild('Identifier');
        if (id) names.push(structure.slice(id.from, id.to));
      }
    },
  });
  return [...new Set(names)];
});

const COMPARISONS = new Set(['Eql', 'Neq', 'Gtr', 'Lss', 'Gte', 'Lte']);

/**
 * Whether what decides an expression's result compares: a comparison operator that filters (not
 * `bool`) or `absent` / `absent_over_time`. An alert without one fires for every series it returns,
 * whatever the value. A comparison counts only where it decides which series come out: at the top
 * (through parentheses, an aggregation, a function that keeps its argument's series, either operand of
 * arithmetic), on every operand of `or`, on the left of `and` and `unless` (their right side only
 * selects); `rate(x[5m]) or (y > 1)` returns every series of `x` and does not count.
 */
export function hasComparison(expr: string): boolean {
  return comparesIn(prepared(expr).structure);
}

/** What decides reads of the text is function names, outside string literals: the structure decides alike. */
const comparesIn = remembered((structure: string): boolean => {
  const node = topOf(structure);
  return node ? decides(node, structure) : false;
});

/** Functions whose result has exactly the series of their instant-vector argument (values changed, or labels). */
const KEEPS_SERIES = new Set([
  'abs',
  'ceil',
  'clamp',
  'clamp_max',
  'clamp_min',
  'floor',
  'label_join',
  'label_replace',
  'round',
  'sgn',
  'sort',
  'sort_desc',
  'timestamp',
]);

const ARITHMETIC = new Set(['Add', 'Sub', 'Mul', 'Div', 'Mod', 'Pow', 'Atan2']);

function decides(node: SyntaxNode, text: string): boolean {
  const kids = children(node);
  const exprKids = kids.filter((k) => isExpression(k.name));
  switch (node.name) {
    case 'ParenExpr':
    case 'UnaryExpr':
    case 'StepInvariantExpr':
      return exprKids[0] ? decides(exprKids[0], text) : false;
    case 'AggregateExpr': {
      const body = node.getChild('FunctionCallBody');
      const args = body ? children(body).filter((k) => isExpression(k.name)) : [];
      return args.length > 0 && decides(args[args.length - 1]!, text);
    }
    case 'FunctionCall': {
      const name = text.slice(kids[0]!.from, kids[0]!.to);
      if (name === 'absent' || name === 'absent_over_time') return true;
      if (!KEEPS_SERIES.has(name)) return false;
      const body = node.getChild('FunctionCallBody');
      const vectorArg = body
        ? children(body).find((a) => isExpression(a.name) && a.name !== 'StringLiteral' && a.name !== 'NumberDurationLiteral')
        : undefined;
      return vectorArg ? decides(vectorArg, text) : false;
    }
    case 'BinaryExpr': {
      const [left, right] = exprKids;
      if (!left || !right) return false;
      const op = kids.find((k) => !isExpression(k.name) && k.name !== 'MatchingModifierClause' && k.name !== 'BoolModifier');
      const opName = op?.name ?? '';
      if (COMPARISONS.has(opName) && !kids.some((k) => k.name === 'BoolModifier')) return true;
      if (opName === 'Or') return decides(left, text) && decides(right, text);
      if (opName === 'And' || opName === 'Unless') return decides(left, text);
      // Arithmetic, and a bool comparison, return only the series both operands match: a filtered operand filters it.
      if (ARITHMETIC.has(opName) || COMPARISONS.has(opName)) return decides(left, text) || decides(right, text);
      return false;
    }
    default:
      return false;
  }
}

/**
 * The labels the series of an expression can carry: every label of the selected series except
 * `except` (`open`), or exactly `only` (after an aggregation `by`, `on`, a literal).
 */
export type LabelSet =
  { readonly open: true; readonly except: ReadonlySet<string> } | { readonly open: false; readonly only: ReadonlySet<string> };

const OPEN: LabelSet = { open: true, except: new Set() };
const NONE: LabelSet = { open: false, only: new Set() };

/** Whether a label can survive to the result of an expression with these labels. */
export function labelSurvives(set: LabelSet, label: string): boolean {
  return set.open ? !set.except.has(label) : set.only.has(label);
}

function withLabels(set: LabelSet, add: readonly string[]): LabelSet {
  if (set.open) return { open: true, except: new Set([...set.except].filter((l) => !add.includes(l))) };
  return { open: false, only: new Set([...set.only, ...add]) };
}

function withoutLabels(set: LabelSet, remove: readonly string[]): LabelSet {
  if (set.open) return { open: true, except: new Set([...set.except, ...remove]) };
  return { open: false, only: new Set([...set.only].filter((l) => !remove.includes(l))) };
}

function keepLabels(set: LabelSet, keep: readonly string[]): LabelSet {
  return { open: false, only: new Set(keep.filter((l) => labelSurvives(set, l))) };
}

function both(a: LabelSet, b: LabelSet): LabelSet {
  if (a.open && b.open) return { open: true, except: new Set([...a.except, ...b.except]) };
  const closed = (a.open ? b : a) as { only: ReadonlySet<string> };
  const other = a.open ? a : b;
  return { open: false, only: new Set([...closed.only].filter((l) => labelSurvives(other, l))) };
}

/**
 * What labels the result of an expression can carry, walking its syntax tree the way Prometheus
 * computes result labels: aggregations keep their `by` labels or drop their `without` labels, a
 * one-to-one binary operation with `on` keeps only those, `ignoring` drops them, `group_left/right`
 * keep the side with more series, `and`/`unless` keep the left side, `or` what both sides carry,
 * `label_replace`/`label_join` add their target, `histogram_quantile` drops `le`, `vector`,
 * `time` and literals carry none, `absent` carries the labels of its equality matchers.
 */
export function resultLabels(expr: string): LabelSet {
  const { structure } = prepared(expr);
  // `label_replace`'s and `label_join`'s target and `count_values`' label are string literals, masked
  // in the structure: an expression with one of them is read from its own text.
  return STRING_LABELS.test(structure) ? labelsIn(expr) : labelsOfStructure(structure);
}

/** The functions whose result labels come from a string literal. */
const STRING_LABELS = /\b(?:label_replace|label_join|count_values)\b/;

const labelsIn = remembered((expr: string): LabelSet => {
  const { text, structure } = prepared(expr);
  const node = topOf(structure);
  return node ? labelsOf(node, text) : NONE;
});

/** Without those functions, what labelsOf reads of the text (function names, label names) is outside string literals. */
const labelsOfStructure = remembered((structure: string): LabelSet => {
  const node = topOf(structure);
  return node ? labelsOf(node, structure) : NONE;
});

const DROPS_ALL = new Set(['vector', 'time', 'scalar', 'pi', 'minute', 'hour', 'day_of_month', 'day_of_week', 'month', 'year']);
const KEEPS_ALL_AGGREGATIONS = new Set(['topk', 'bottomk', 'limitk', 'limit_ratio']);

function grouping(node: SyntaxNode | null | undefined, text: string): string[] {
  const g = node?.getChild('GroupingLabels');
  return g ? children(g).flatMap((c) => (c.name === 'LabelName' ? [text.slice(c.from, c.to)] : [])) : [];
}

function unquote(s: string): string {
  return s.replace(/^["'`]|["'`]$/g, '');
}

function labelsOf(node: SyntaxNode, text: string): LabelSet {
  const kids = children(node);
  const exprKids = kids.filter((k) => isExpression(k.name));
  switch (node.name) {
    case 'ParenExpr':
    case 'UnaryExpr':
    case 'MatrixSelector':
    case 'SubqueryExpr':
    case 'OffsetExpr':
    case 'StepInvariantExpr':
      return exprKids[0] ? labelsOf(exprKids[0], text) : NONE;
    case 'VectorSelector':
      return OPEN;
    case 'NumberDurationLiteral':
    case 'StringLiteral':
      return NONE;
    case 'AggregateExpr': {
      const op = text.slice(kids[0]!.from, kids[0]!.to);
      const body = node.getChild('FunctionCallBody');
      const args = body ? children(body).filter((k) => isExpression(k.name)) : [];
      const inner = args.length > 0 ? labelsOf(args[args.length - 1]!, text) : NONE;
      const modifier = node.getChild('AggregateModifier');
      const extra = op === 'count_values' && args[0] ? [unquote(text.slice(args[0].from, args[0].to))] : [];
      if (KEEPS_ALL_AGGREGATIONS.has(op)) return inner;
      if (!modifier) return { open: false, only: new Set(extra) };
      const labels = grouping(modifier, text);
      if (modifier.getChild('By')) return keepLabels(withLabels(inner, extra), [...labels, ...extra]);
      return withLabels(withoutLabels(inner, labels), extra);
    }
    case 'FunctionCall': {
      const name = text.slice(kids[0]!.from, kids[0]!.to);
      const body = node.getChild('FunctionCallBody');
      const args = body ? children(body).filter((k) => isExpression(k.name)) : [];
      if (DROPS_ALL.has(name)) return NONE;
      if (name === 'absent' || name === 'absent_over_time') {
        const labels = descendants(node, 'UnquotedLabelMatcher').flatMap((m) => {
          const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*["'`]/.exec(text.slice(m.from, m.to));
          return match ? [match[1]!] : [];
        });
        return { open: false, only: new Set(labels) };
      }
      const vectorArg = args.find((a) => a.name !== 'StringLiteral' && a.name !== 'NumberDurationLiteral');
      const inner = vectorArg ? labelsOf(vectorArg, text) : NONE;
      if (name === 'label_replace' || name === 'label_join') {
        const target = args.filter((a) => a.name === 'StringLiteral')[0];
        return target ? withLabels(inner, [unquote(text.slice(target.from, target.to))]) : inner;
      }
      if (name === 'histogram_quantile') return withoutLabels(inner, ['le']);
      return inner;
    }
    case 'BinaryExpr': {
      const [left, right] = exprKids;
      if (!left || !right) return NONE;
      const l = labelsOf(left, text);
      const r = labelsOf(right, text);
      const op = kids.find((k) => !isExpression(k.name) && k.name !== 'MatchingModifierClause' && k.name !== 'BoolModifier');
      const opName = op?.name ?? '';
      const scalar = (s: SyntaxNode) => s.name === 'NumberDurationLiteral' || labelsOf(s, text) === NONE;
      if (opName === 'Or') return both(l, r);
      if (opName === 'And' || opName === 'Unless') return l;
      if (scalar(left) && !scalar(right)) return r;
      if (scalar(right)) return l;
      const matching = node.getChild('MatchingModifierClause');
      const included = (side: string) => {
        const mk = matching ? children(matching) : [];
        const at = mk.findIndex((k) => k.name === side);
        const g = mk[at + 1];
        return g?.name === 'GroupingLabels' ? children(g).flatMap((c) => (c.name === 'LabelName' ? [text.slice(c.from, c.to)] : [])) : [];
      };
      if (matching?.getChild('GroupLeft')) return withLabels(l, included('GroupLeft'));
      if (matching?.getChild('GroupRight')) return withLabels(r, included('GroupRight'));
      if (matching?.getChild('On')) return keepLabels(l, grouping(matching, text));
      if (matching?.getChild('Ignoring')) return withoutLabels(l, grouping(matching, text));
      return l;
    }
    default:
      return exprKids[0] ? labelsOf(exprKids[0], text) : OPEN;
  }
}

const EXPRESSIONS = new Set([
  'ParenExpr',
  'UnaryExpr',
  'MatrixSelector',
  'SubqueryExpr',
  'OffsetExpr',
  'StepInvariantExpr',
  'VectorSelector',
  'NumberDurationLiteral',
  'StringLiteral',
  'AggregateExpr',
  'FunctionCall',
  'BinaryExpr',
]);

function isExpression(name: string): boolean {
  return EXPRESSIONS.has(name);
}
