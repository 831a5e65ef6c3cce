import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { MANIFESTS } from '@b2connect/k8s-lib';

type Json = unknown;
/** environment -> package -> `Kind/name` -> object */
export type BundleTree = Map<string, Map<string, Map<string, Json>>>;

export interface FieldChange {
  readonly path: string;
  readonly before: Json;
  readonly after: Json;
}

export interface ObjectChange {
  readonly env: string;
  readonly pkg: string;
  readonly object: string;
  readonly type: 'added' | 'changed' | 'pruned';
  readonly fields: readonly FieldChange[];
}

/** Reads `dist/environments`-shaped folders: <env>/<package>/manifests.yaml. A missing folder is an empty bundle. */
export function readBundleTree(root: string): BundleTree {
  const tree: BundleTree = new Map();
  if (!existsSync(root)) return tree;
  for (const env of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.'))) {
    const pkgs = new Map<string, Map<string, Json>>();
    for (const pkg of readdirSync(join(root, env.name), { withFileTypes: true }).filter(
      (d) => d.isDirectory() && !d.name.startsWith('.'),
    )) {
      const objects = new Map<string, Json>();
      const file = join(root, env.name, pkg.name, MANIFESTS);
      const docs = existsSync(file) ? (loadAll(readFileSync(file, 'utf8')) as ({ kind: string; metadata: { name: string } } | null)[]) : [];
      for (const o of docs) if (o) objects.set(`${o.kind}/${o.metadata.name}`, o);

      pkgs.set(pkg.name, objects);
    }
    tree.set(env.name, pkgs);
  }
  return tree;
}

/** Names whose values are never printed: credentials by name, and everything under a Secret's data. */
const SECRET_NAME = /(password|passwd|secret|token|apikey|api_key|private|credential|signingkey|connectionstring)/i;

export function isSecretPath(object: string, path: string): boolean {
  if (object.startsWith('Secret/') && /^(data|stringData)(\.|$)/.test(path)) return true;
  return path.split(/[.[\]]/).some((segment) => SECRET_NAME.test(segment));
}

function fieldChanges(before: Json, after: Json, path: string, out: FieldChange[]): void {
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  const isObj = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null;
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) fieldChanges(before[i], after[i], `${path}[${i}]`, out);
    return;
  }
  if (isObj(before) && isObj(after) && !Array.isArray(before) && !Array.isArray(after)) {
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

function show(object: string, path: string, value: Json): string {
  if (value === undefined) return '(none)';
  if (isSecretPath(object, path)) return '(hidden)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `\`${text.length > 120 ? `${text.slice(0, 117)}...` : text}\``;
}

/** Markdown fit for a pull-request comment. */
export function renderMarkdown(changes: readonly ObjectChange[]): string {
  const count = (t: ObjectChange['type']) => changes.filter((c) => c.type === t).length;
  const lines = [`## Bundle diff: ${count('added')} added, ${count('changed')} changed, ${count('pruned')} pruned`];
  if (changes.length === 0) return `${lines[0]}\n\nNo change.\n`;
  let env = '';
  let pkg = '';
  for (const c of changes) {
    if (c.env !== env) {
      lines.push('', `### ${c.env}`);
      env = c.env;
      pkg = '';
    }
    if (c.pkg !== pkg) {
      lines.push('', `#### ${c.pkg}`, '');
      pkg = c.pkg;
    }
    lines.push(`- **${c.type}** \`${c.object}\``);
    for (const f of c.fields) lines.push(`  - \`${f.path}\`: ${show(c.object, f.path, f.before)} → ${show(c.object, f.path, f.after)}`);
  }
  return `${lines.join('\n')}\n`;
}
