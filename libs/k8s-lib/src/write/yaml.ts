import { dump } from 'js-yaml';

/**
 * The YAML of the bundles: block style, two-space indent, no anchors, no line folding, ambiguous
 * scalars ("8080", "true", "2024-01-01") quoted. Byte for byte what js-yaml's `dump` writes with those
 * options, which stays the definition: js-yaml decides how each distinct string is written (once per
 * run, then remembered; a string over several lines is indented here for its depth) and renders every
 * document this writer does not cover (a value that is neither plain data nor a number, a key over
 * several lines or longer than 1,024 characters). What is left, the layout of mappings and
 * sequences, is written here directly: about five times faster
 * than js-yaml's general walk over Kubernetes objects, which are small trees of short, repeating
 * strings. Tests compare both writers on every object of every bundle.
 */
const OPTIONS = { lineWidth: -1, noRefs: true } as const;

/** How js-yaml writes each single-line string, keys and values alike (they take the same style on one line). */
const scalars = new Map<string, string>();

/** Entries kept at most: a run's distinct strings, with room to spare; a long-lived process starts again past it. */
const MAX_SCALARS = 200_000;

/** Longer strings (a dashboard's JSON, a script) rarely repeat: they are written without being kept. */
const MAX_KEPT_LENGTH = 256;

function scalar(value: string): string {
  let out = scalars.get(value);
  if (out === undefined) {
    out = dump(value, OPTIONS).slice(0, -1);
    if (value.length > MAX_KEPT_LENGTH) return out;
    if (scalars.size >= MAX_SCALARS) scalars.clear();
    scalars.set(value, out);
  }
  return out;
}

/** Thrown (and caught below) when a value needs js-yaml's general writer. */
class NotCovered extends Error {}
const NOT_COVERED = new NotCovered();

/**
 * A string over several lines at `level`. js-yaml chooses its style alone (with no line width, it
 * does not depend on the depth): a double-quoted one stays on one line, a literal block (`|`, with its
 * chomping and indentation indicators) has its lines indented by two spaces per level, at least one,
 * empty lines left empty, its last newline dropped (as js-yaml's writeScalar does).
 */
function multiLine(value: string, level: number): string {
  const alone = scalar(value);
  if (alone.charCodeAt(0) !== 124 /* | */) {
    if (alone.charCodeAt(0) !== 34 /* " */) throw NOT_COVERED; // folded or another style: js-yaml writes it
    return alone;
  }
  const indent = '  '.repeat(Math.max(1, level));
  let out = alone.slice(0, alone.indexOf('\n') + 1);
  for (let at = 0; at < value.length;) {
    const end = value.indexOf('\n', at);
    const line = end === -1 ? value.slice(at) : value.slice(at, end + 1);
    if (line !== '\n') out += indent;
    out += line;
    at = end === -1 ? value.length : end + 1;
  }
  return out.charCodeAt(out.length - 1) === 10 ? out.slice(0, -1) : out;
}

function indentOf(level: number): string {
  return '\n' + '  '.repeat(level);
}

/** A value's YAML at `level`, as js-yaml's writeNode with block style writes it. */
function node(value: unknown, level: number, compact: boolean): string {
  switch (typeof value) {
    case 'string':
      return value.includes('\n') ? multiLine(value, level) : scalar(value);
    case 'number':
      return Number.isInteger(value) && !Object.is(value, -0) ? String(value) : dump(value, OPTIONS).slice(0, -1);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return sequence(value, level, compact);
      if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) throw NOT_COVERED;
      return mapping(value as Record<string, unknown>, level, compact);
    default:
      throw NOT_COVERED;
  }
}

function mapping(object: Record<string, unknown>, level: number, compact: boolean): string {
  let out = '';
  const next = indentOf(level);
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (value === undefined) continue; // js-yaml leaves the pair out
    if (key.includes('\n') || key.length > 1024) throw NOT_COVERED;
    const written = node(value, level + 1, false);
    if (!compact || out !== '') out += next;
    out += scalar(key);
    out += written.charCodeAt(0) === 10 ? ':' : ': ';
    out += written;
  }
  return out === '' ? '{}' : out;
}

function sequence(items: readonly unknown[], level: number, compact: boolean): string {
  if (items.length === 0) return '[]';
  let out = '';
  const next = indentOf(level);
  for (const item of items) {
    const written = item === undefined ? 'null' : node(item, level + 1, true);
    if (!compact || out !== '') out += next;
    out += written.charCodeAt(0) === 10 ? '-' : '- ';
    out += written;
  }
  return out;
}

/** `value` as a YAML document (with its final newline), byte for byte as js-yaml's `dump(value, OPTIONS)`. */
export function toYaml(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    try {
      return node(value, 0, true) + '\n';
    } catch (e) {
      if (!(e instanceof NotCovered)) throw e;
    }
  }
  return dump(value, OPTIONS);
}

/** The general writer, for the tests that hold both to the same bytes. */
export const referenceYaml = (value: unknown): string => dump(value, OPTIONS);
