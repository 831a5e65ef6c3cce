import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { CONFIG_NAME_ANNOTATION, ConfigError, MANIFESTS, RETAINED_ANNOTATION } from '@b2connect/k8s-lib/pipeline';
import { errorText, requireBundleFolder } from './cli-support';

type Json = unknown;
type JsonObject = Record<string, Json>;
/** environment -> package -> `Kind/name` -> object */
export type BundleTree = Map<string, Map<string, Map<string, Json>>>;

export interface FieldChange {
  readonly path: string;
  readonly before: Json;
  readonly after: Json;
  /**
   * Set when only the order of a keyed list changed: `before` and `after` are then the item keys
   * (`name=A`, ...) in their order on each side.
   */
  readonly order?: true;
}

export interface ObjectChange {
  readonly env: string;
  readonly pkg: string;
  readonly object: string;
  readonly type: 'added' | 'changed' | 'pruned';
  readonly fields: readonly FieldChange[];
}

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function visibleDirs(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new ConfigError(dir, [{ path: '', message: `cannot read the folder: ${errorText(e)}` }]);
  }
  return entries
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
}

/** Whether the path exists; fails on anything but "no such file" (a symlink loop, no permission). */
function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new ConfigError(file, [{ path: '', message: `cannot read: ${errorText(e)}` }]);
  }
}

function readManifests(file: string): Map<string, Json> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [{ path: '', message: `cannot read the file: ${errorText(e)}` }]);
  }
  let docs: unknown[];
  try {
    docs = loadAll(text);
  } catch (e) {
    throw new ConfigError(file, [{ path: '', message: `not valid YAML: ${errorText(e).split('\n')[0]}` }]);
  }
  const objects = new Map<string, Json>();
  const checked = docs.flatMap((doc, i) => {
    if (doc === null || doc === undefined) return [];
    const metadata = isObject(doc) ? doc.metadata : undefined;
    const name = isObject(metadata) ? metadata.name : undefined;
    if (!isObject(doc) || typeof doc.kind !== 'string' || typeof name !== 'string') {
      throw new ConfigError(file, [{ path: `document ${i + 1}`, message: 'not a Kubernetes object (needs kind and metadata.name)' }]);
    }
    return [{ doc, i, id: `${doc.kind}/${logicalName(doc, name)}`, namespace: (metadata as JsonObject).namespace }];
  });
  // One name in several namespaces (a package in both blue-green slots): each is named with its namespace.
  const count = new Map<string, number>();
  for (const c of checked) count.set(c.id, (count.get(c.id) ?? 0) + 1);
  for (const { doc, i, id: logical, namespace } of checked) {
    const id = (count.get(logical) ?? 0) > 1 && typeof namespace === 'string' ? `${logical} (${namespace})` : logical;
    if (objects.has(id)) throw new ConfigError(file, [{ path: `document ${i + 1}`, message: `${id} appears a second time` }]);
    objects.set(id, doc);
  }
  return objects;
}

/**
 * The name an object is compared by: a config object named by its content (`<name>-<hash>`) by the
 * name without the hash, so that a changed setting shows as one ConfigMap whose name and keys changed
 * rather than one pruned and one added; a previous version kept for rollback by its own name.
 */
function logicalName(doc: JsonObject, name: string): string {
  const annotations = isObject(doc.metadata) && isObject(doc.metadata.annotations) ? doc.metadata.annotations : {};
  const config = annotations[CONFIG_NAME_ANNOTATION];
  return typeof config === 'string' && annotations[RETAINED_ANNOTATION] === undefined ? config : name;
}

/**
 * Reads a `dist/environments`-shaped folder: <env>/<package>/manifests.yaml. Folders without a
 * manifests.yaml (and files such as bundle.json) are not packages and are skipped. Fails, naming the
 * folder or file, when the folder is missing, not a directory or unreadable, when it holds no
 * environment bundle at all, and when a manifests.yaml does not parse.
 */
export function readBundleTree(root: string): BundleTree {
  requireBundleFolder(root);
  const tree: BundleTree = new Map();
  for (const env of visibleDirs(root)) {
    const pkgs = new Map<string, Map<string, Json>>();
    for (const pkg of visibleDirs(join(root, env))) {
      const file = join(root, env, pkg, MANIFESTS);
      if (exists(file)) pkgs.set(pkg, readManifests(file));
    }
    if (pkgs.size > 0) tree.set(env, pkgs);
  }
  if (tree.size === 0) {
    throw new ConfigError(root, [{ path: '', message: `holds no environment bundle (expected <env>/<package>/${MANIFESTS})` }]);
  }
  return tree;
}

/** Names whose values are never printed: credentials by name, and everything under a Secret's data. */
const SECRET_NAME = /(password|passwd|secret|token|apikey|api_key|private|credential|signingkey|connectionstring)/i;

export function isSecretPath(object: string, path: string): boolean {
  if (object.startsWith('Secret/') && /^(data|stringData)(\.|$)/.test(path)) return true;
  return path.split(/[.[\]]/).some((segment) => SECRET_NAME.test(segment));
}

/**
 * Fields that identify an object in a list, tried in this order. The first field that every item on
 * both sides has, as a string or number unique on each side, is the list's key, and items are matched
 * by it (path `containers[name=app]`) whatever their position: `name` (containers, env, volumes,
 * ports, volume mounts), `containerPort` and `port` (unnamed ports), `mountPath` (mounts of one volume
 * at two places), `devicePath`, `key` (configMap items, tolerations), `secretKey` (ExternalSecret
 * data), `path` (Ingress paths), `host` (Ingress rules), `ip` (host aliases), `topologyKey` (spread
 * constraints), `type` (conditions).
 */
export const LIST_KEYS: readonly string[] = [
  'name',
  'containerPort',
  'port',
  'mountPath',
  'devicePath',
  'key',
  'secretKey',
  'path',
  'host',
  'ip',
  'topologyKey',
  'type',
];

function listKey(...sides: readonly Json[][]): string | undefined {
  if (sides.every((s) => s.length === 0) || !sides.every((s) => s.every(isObject))) return undefined;
  return LIST_KEYS.find((key) =>
    sides.every((side) => {
      const values = (side as JsonObject[]).map((item) => item[key]);
      return values.every((v) => typeof v === 'string' || typeof v === 'number') && new Set(values.map(String)).size === values.length;
    }),
  );
}

const keyedPath = (path: string, key: string, item: Json) => `${path}[${key}=${String((item as JsonObject)[key])}]`;

/** JSON with sorted keys: equal values give equal text whatever the key order. */
function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'undefined';
}

/** Pairs of (base index, head index) of a longest common subsequence of equal items. */
function commonItems(before: readonly string[], after: readonly string[]): [number, number][] {
  const n = before.length;
  const m = after.length;
  // Past this size the table costs more than the report is worth: compare by position.
  if (n * m > 4_000_000) return [];
  const table = new Uint32Array((n + 1) * (m + 1));
  const length = (i: number, j: number) => table[i * (m + 1) + j] ?? 0;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * (m + 1) + j] = before[i] === after[j] ? length(i + 1, j + 1) + 1 : Math.max(length(i + 1, j), length(i, j + 1));
    }
  }
  const pairs: [number, number][] = [];
  for (let i = 0, j = 0; i < n && j < m;) {
    if (before[i] === after[j]) pairs.push([i++, j++]);
    else if (length(i + 1, j) >= length(i, j + 1)) i++;
    else j++;
  }
  return pairs;
}

function listChanges(before: Json[], after: Json[], path: string, out: FieldChange[]): void {
  const key = listKey(before, after);
  if (key) {
    const base = new Map(before.map((item) => [String((item as JsonObject)[key]), item]));
    const head = new Set(after.map((item) => String((item as JsonObject)[key])));
    for (const item of after) {
      const id = String((item as JsonObject)[key]);
      fieldChanges(base.get(id), item, keyedPath(path, key, item), out);
    }
    for (const item of before)
      if (!head.has(String((item as JsonObject)[key]))) fieldChanges(item, undefined, keyedPath(path, key, item), out);
    const label = (item: Json) => `${key}=${String((item as JsonObject)[key])}`;
    const baseOrder = before.filter((item) => head.has(String((item as JsonObject)[key]))).map(label);
    const headOrder = after.filter((item) => base.has(String((item as JsonObject)[key]))).map(label);
    if (baseOrder.join('\n') !== headOrder.join('\n')) out.push({ path, before: baseOrder, after: headOrder, order: true });
    return;
  }
  // Scalars and unkeyed objects: equal items are matched first (a longest common subsequence), the
  // items between two matches are compared by position, the surplus is added or removed.
  const pairs: [number, number][] = [...commonItems(before.map(canonical), after.map(canonical)), [before.length, after.length]];
  let i = 0;
  let j = 0;
  for (const [nextI, nextJ] of pairs) {
    for (; i < nextI && j < nextJ; i++, j++) fieldChanges(before[i], after[j], `${path}[${j}]`, out);
    for (; j < nextJ; j++) fieldChanges(undefined, after[j], `${path}[${j}]`, out);
    for (; i < nextI; i++) fieldChanges(before[i], undefined, `${path}[${i}]`, out);
    i++;
    j++;
  }
}

function fieldChanges(before: Json, after: Json, path: string, out: FieldChange[]): void {
  if (canonical(before) === canonical(after)) return;
  if (Array.isArray(before) && Array.isArray(after)) return listChanges(before, after, path, out);
  if (isObject(before) && isObject(after)) {
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      fieldChanges(before[key], after[key], path ? `${path}.${key}` : key, out);
    }
    return;
  }
  out.push({ path, before, after });
}

/** Semantic per-object changes from `base` to `head`, in environment, package and object order. */
export function diffBundles(base: BundleTree, head: BundleTree): ObjectChange[] {
  const changes: ObjectChange[] = [];
  const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
  for (const env of sorted([...base.keys(), ...head.keys()])) {
    const b = base.get(env) ?? new Map();
    const h = head.get(env) ?? new Map();
    for (const pkg of sorted([...b.keys(), ...h.keys()])) {
      const bo = b.get(pkg) ?? new Map();
      const ho = h.get(pkg) ?? new Map();
      for (const object of sorted([...bo.keys(), ...ho.keys()])) {
        if (!bo.has(object)) changes.push({ env, pkg, object, type: 'added', fields: [] });
        else if (!ho.has(object)) changes.push({ env, pkg, object, type: 'pruned', fields: [] });
        else {
          const fields: FieldChange[] = [];
          fieldChanges(bo.get(object), ho.get(object), '', fields);
          if (fields.length > 0) changes.push({ env, pkg, object, type: 'changed', fields });
        }
      }
    }
  }
  return changes;
}

const HIDDEN = '(hidden)';

/** The value with every secret-like part below `path` replaced by (hidden). */
function redact(object: string, path: string, value: Json): Json {
  if (isSecretPath(object, path)) return HIDDEN;
  if (Array.isArray(value)) {
    const key = listKey(value);
    return value.map((item, i) => redact(object, key ? keyedPath(path, key, item) : `${path}[${i}]`, item));
  }
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(object, path ? `${path}.${k}` : k, v)]));
  return value;
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function show(object: string, path: string, value: Json): string {
  if (value === undefined) return '(none)';
  const visible = redact(object, path, value);
  if (visible === HIDDEN) return HIDDEN;
  const text = typeof visible === 'string' && !/[\r\n]/.test(visible) ? visible : JSON.stringify(visible);
  return code(text.length > 120 ? `${text.slice(0, 117)}...` : text);
}

function fieldLine(object: string, f: FieldChange): string {
  if (f.order) {
    const keys = (v: Json) => (isSecretPath(object, f.path) ? HIDDEN : code((v as string[]).join(', ')));
    return `  - ${code(f.path)}: order ${keys(f.before)} → ${keys(f.after)}`;
  }
  return `  - ${code(f.path)}: ${show(object, f.path, f.before)} → ${show(object, f.path, f.after)}`;
}

export interface RenderOptions {
  /**
   * Size cap of the whole text, in characters (GitHub refuses pull-request comments past 65,536).
   * When the next package's details would pass it, no more details are added and a closing line
   * says what was left out.
   * @default 60000
   */
  readonly maxChars?: number;
}

export const DEFAULT_MAX_CHARS = 60_000;
/** Room kept for the closing line that says what was left out. */
const NOTE_ROOM = 400;

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Markdown fit for a pull-request comment: a summary table (added / changed / pruned objects per
 * environment and package), then one folded `<details>` block per package with its object changes,
 * within `maxChars`.
 */
export function renderMarkdown(changes: readonly ObjectChange[], options: RenderOptions = {}): string {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const count = (cs: readonly ObjectChange[], t: ObjectChange['type']) => cs.filter((c) => c.type === t).length;
  const header = `## Bundle diff: ${count(changes, 'added')} added, ${count(changes, 'changed')} changed, ${count(changes, 'pruned')} pruned`;
  if (changes.length === 0) return `${header}\n\nNo change.\n`;

  const groups: { env: string; pkg: string; changes: ObjectChange[] }[] = [];
  for (const c of changes) {
    const last = groups[groups.length - 1];
    if (last && last.env === c.env && last.pkg === c.pkg) last.changes.push(c);
    else groups.push({ env: c.env, pkg: c.pkg, changes: [c] });
  }
  const counts = (cs: readonly ObjectChange[]) => (['added', 'changed', 'pruned'] as const).map((t) => count(cs, t));

  let text = `${header}\n\n| environment | package | added | changed | pruned |\n| --- | --- | --: | --: | --: |\n`;
  const fits = (more: string) => text.length + more.length + NOTE_ROOM <= maxChars;
  let rowsLeft = 0;
  for (const g of groups) {
    const row = `| ${g.env} | ${g.pkg} | ${counts(g.changes).join(' | ')} |\n`;
    if (rowsLeft === 0 && fits(row)) text += row;
    else rowsLeft++;
  }

  let env = '';
  let pkgsLeft = 0;
  let objectsLeft = 0;
  for (const g of groups) {
    const [added, changed, pruned] = counts(g.changes);
    const summary = [added && `${added} added`, changed && `${changed} changed`, pruned && `${pruned} pruned`].filter(Boolean).join(', ');
    const lines = g.changes.flatMap((c) => [`- **${c.type}** ${code(c.object)}`, ...c.fields.map((f) => fieldLine(c.object, f))]);
    const block = [
      ...(g.env !== env ? ['', `### ${g.env}`] : []),
      '',
      `<details><summary><code>${escapeHtml(g.pkg)}</code>: ${summary}</summary>`,
      '',
      ...lines,
      '',
      '</details>',
    ].join('\n');
    if (rowsLeft === 0 && pkgsLeft === 0 && fits(`${block}\n`)) {
      text += `${block}\n`;
      env = g.env;
    } else {
      pkgsLeft++;
      objectsLeft += g.changes.length;
    }
  }
  if (pkgsLeft > 0) {
    const rows = rowsLeft > 0 ? `, and the last ${rowsLeft} rows of the table` : '';
    text +=
      `\n**Left out** to stay within ${maxChars} characters: the details of the last ${pkgsLeft} of ${groups.length} packages ` +
      `(${objectsLeft} object changes)${rows}. Run \`npm run diff\` with a larger \`--max-chars\` for the full report.\n`;
  }
  return text;
}
