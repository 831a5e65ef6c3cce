import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError, ConfigErrors, type ConfigIssue } from '../errors';
import type { DeployableDefinition } from '../kinds/define';
import { loadEnvironment, type Environment } from '../config/environment';
import { discoverEnvironmentNames, discoverPackageDirs, ENVIRONMENTS_DIR, MARKER_FILE, PACKAGE_ROOTS } from './discover';

import type { LoadedDefinition, LoadedPackage, Workspace } from '../config/workspace';
import { KINDS, kindOf } from '../kinds/registry';

export * from './discover';
export type { LoadedDefinition, LoadedPackage, Workspace } from '../config/workspace';

/** Packages a definition declares it talks to or needs first. */
export function dependenciesOf(definition: LoadedDefinition): readonly string[] {
  return 'dependsOn' in definition.spec ? definition.spec.dependsOn : [];
}

/** Whether a package depends on every other package of the workspace (`dependsOnAll`). */
export function dependsOnAll(definition: LoadedDefinition): boolean {
  return kindOf(definition).dependsOnAll?.(definition.spec as never) ?? false;
}

/** Loads a package's `deploy.ts`; the default is `require`, tests pass their own `import`. */
export type ModuleLoader = (absoluteFile: string) => unknown | Promise<unknown>;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const defaultLoader: ModuleLoader = (file) => require(file);

/**
 * Loads every environment and every package definition, validates them and their cross-references
 * (dependsOn, override environment names), and reports all problems of all files at once.
 */
export async function loadWorkspace(rootDir: string, load: ModuleLoader = defaultLoader): Promise<Workspace> {
  const { workspace, errors } = await loadWorkspaceWithErrors(rootDir, load);
  if (errors.length > 0) throw new ConfigErrors(errors);
  return workspace;
}

/**
 * Like `loadWorkspace`, without stopping at the first stage: the environments and packages that loaded,
 * and every problem of the others, so that a run can go on to check what loaded and report the
 * problems of every stage at once.
 */
export async function loadWorkspaceWithErrors(
  rootDir: string,
  load: ModuleLoader = defaultLoader,
): Promise<{ workspace: Workspace; errors: ConfigError[] }> {
  const root = resolve(rootDir);

  const errors: ConfigError[] = [];
  const environments = new Map<string, Environment>();
  for (const name of discoverEnvironmentNames(root)) {
    try {
      environments.set(name, loadEnvironment(join(root, ENVIRONMENTS_DIR, `${name}.yaml`)));
    } catch (e) {
      errors.push(rebase(e, root));
    }
  }
  if (environments.size === 0 && errors.length === 0) {
    errors.push(new ConfigError(ENVIRONMENTS_DIR, [{ path: '', message: 'no environment files (environments/<name>.yaml) found' }]));
  }
  const envNames = new Set(discoverEnvironmentNames(root));

  const packages = new Map<string, LoadedPackage>();
  const dirs = discoverPackageDirs(root);
  const known = new Set(dirs.map((d) => d.split('/')[1]!));
  for (const name of known) {
    const same = dirs.filter((d) => d.split('/')[1] === name);
    if (same.length > 1)
      errors.push(
        new ConfigError(same[1]!, [
          {
            path: '',
            message: `package name "${name}" is taken by ${same[0]}: package folder names are unique across ${PACKAGE_ROOTS.join(' and ')}`,
          },
        ]),
      );
  }
  const layout: Layout = { root, dirs, npmNames: npmNames(root, dirs) };
  for (const dir of dirs) {
    const file = `${dir}/${MARKER_FILE}`;
    try {
      packages.set(dir.split('/')[1]!, await loadPackage(root, dir, file, load, known, envNames, layout));
    } catch (e) {
      if (e instanceof ConfigErrors) errors.push(...e.errors.map((one) => rebase(one, root)));
      else errors.push(rebase(e, root));
    }
  }
  errors.push(...dependencyCycles(packages));
  return { workspace: { root, environments, packages }, errors };
}

async function loadPackage(
  root: string,
  dir: string,
  file: string,
  load: ModuleLoader,
  known: Set<string>,
  envNames: Set<string>,
  layout: Layout,
): Promise<LoadedPackage> {
  const folderName = dir.split('/')[1]!;
  let version = '0.0.0';
  try {
    version = (JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch (e) {
    throw new ConfigError(`${dir}/package.json`, [{ path: '', message: `cannot read: ${(e as Error).message}` }]);
  }
  // Read before loading: a syntax error is reported with its line and column whatever the loader
  // (swc through register.js, vite in the tests), and the imports are known without running anything.
  const scan = scanImports(root, dir, file);
  if (scan.syntaxError) throw scan.syntaxError;
  let mod: unknown;
  try {
    mod = await load(join(root, file));
  } catch (e) {
    throw loadFailure(root, file, e);
  }
  const raw = ((mod as { default?: unknown }).default ?? mod) as DeployableDefinition | undefined;
  const imports = crossPackageImports(layout, dir, [...scan.references, ...loadedAtRunTime(root, dir, file, scan.references)], raw);
  if (!raw || typeof raw !== 'object' || !('kind' in raw) || !('spec' in raw)) {
    throw withImports(
      new ConfigError(file, [
        { path: '', message: 'must `export default` a definition, for example `export default defineWebService({...})`' },
      ]),
      imports,
    );
  }
  const schema = KINDS.get(String(raw.kind))?.schema;
  if (!schema) {
    throw withImports(
      new ConfigError(file, [{ path: 'kind', message: `unknown kind "${String(raw.kind)}" (known: ${[...KINDS.keys()].join(', ')})` }]),
      imports,
    );
  }
  const parsed = schema.safeParse(raw.spec);
  if (!parsed.success) throw withImports(ConfigError.fromZod(file, parsed.error, [], raw.spec), imports);
  const spec = parsed.data as LoadedDefinition['spec'];
  const definition = { kind: raw.kind, spec } as LoadedDefinition;
  const issues = [];
  if (spec.name !== folderName) issues.push({ path: 'name', message: `"${spec.name}" must equal the package folder name "${folderName}"` });
  dependenciesOf(definition).forEach((dep, i) => {
    if (!known.has(dep)) {
      issues.push({
        path: `dependsOn.${i}`,
        message: `"${dep}" is not a package of this workspace (known: ${[...known].sort().join(', ')})`,
      });
    }
  });
  for (const envName of Object.keys('overrides' in spec ? spec.overrides : {})) {
    if (!envNames.has(envName)) {
      issues.push({ path: `overrides.${envName}`, message: `"${envName}" is not an environment (known: ${[...envNames].join(', ')})` });
    }
  }
  if (issues.length > 0) throw withImports(new ConfigError(file, issues), imports);
  if (imports.length > 0) throw new ConfigErrors(imports);
  return { name: spec.name, dir, file, version, definition };
}

/** The definition's own error and the imports it may not make, reported together. */
function withImports(error: ConfigError, imports: readonly ConfigError[]): Error {
  return imports.length > 0 ? new ConfigErrors([error, ...imports]) : error;
}

function rebase(e: unknown, root: string): ConfigError {
  if (e instanceof ConfigError) {
    const file = e.file.startsWith('/') ? relative(root, e.file) : e.file;
    return file === e.file ? e : new ConfigError(file, e.issues);
  }
  throw e;
}

// Imports across packages.
//
// The project graph knows what a package depends on from its `dependsOn` only (tools/src/plugin.ts):
// a package that runs another package's code without declaring it is left out by `nx affected`, and
// its cache replays a bundle built from the other package's old code. Such an import is refused unless
// the other package is declared (then the graph has the edge, and `^deployable` puts its files in the
// cache key); code no package owns is refused always (no cache key covers it). Two checks find them:
// - a static scan with swc's parser (the one register.js compiles with) of the definition and of every
//   file of its own package it imports: `import`/`export ... from`, `import()`, `require()`,
//   `import x = require()`. It works under every loader: the tests load through vite, which keeps no
//   `require.cache`, and it needs nothing to run;
// - under the default `require` loader, the modules the definition did load (`require.cache` children),
//   for what the source does not say literally (`require(name)`).

/** Where the packages are, for telling which one a file belongs to. */
interface Layout {
  readonly root: string;
  /** Package folders relative to the root (services/catalog). */
  readonly dirs: readonly string[];
  /** npm name (`@b2connect/catalog`, and the name in its package.json) -> package folder. */
  readonly npmNames: ReadonlyMap<string, string>;
}

/** The library every package may import (libs/k8s-lib): where this file is, whatever the workspace root (tests). */
const LIBRARY_DIR = resolve(__dirname, '..', '..');

function npmNames(root: string, dirs: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const dir of dirs) {
    names.set(`@b2connect/${dir.split('/')[1]!}`, dir);
    try {
      const { name } = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (typeof name === 'string') names.set(name, dir);
    } catch {
      // Reported by loadPackage.
    }
  }
  return names;
}

/** One module a package's code loads. */
interface ModuleReference {
  /** The file that loads it, relative to the root. */
  readonly from: string;
  /** 1-based; absent for a module seen loaded at run time only. */
  readonly line?: number;
  readonly column?: number;
  /** As written; absent for a module seen loaded at run time only. */
  readonly specifier?: string;
  /** Absolute path it resolves to; absent for a bare specifier (`cdk8s`, `@b2connect/catalog`). */
  readonly target?: string;
}

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/** The file a relative import resolves to, as TypeScript and Node resolve it; the path itself when none exists. */
function resolveImport(base: string): string {
  const candidates = [
    base,
    ...SOURCE_EXTENSIONS.map((ext) => base + ext),
    ...(base.endsWith('.js') ? [base.slice(0, -'.js'.length) + '.ts'] : []),
    ...SOURCE_EXTENSIONS.map((ext) => join(base, `index${ext}`)),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? base;
}

/**
 * The modules the definition and the files of its own package it imports refer to, read from their
 * sources; or the syntax error of the first that does not parse, as `file:line:column: cannot load: message`.
 */
function scanImports(root: string, dir: string, file: string): { references: ModuleReference[]; syntaxError?: ConfigError } {
  // Loaded here: swc's native binding is only needed when a workspace is loaded, not by every
  // importer of the library (each deploy.ts imports it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseSync } = require('@swc/core') as typeof import('@swc/core');
  const own = join(root, dir) + sep;
  const references: ModuleReference[] = [];
  const queue = [join(root, file)];
  const seen = new Set(queue);
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const from = relative(root, next).split(sep).join('/');
    let text: string;
    try {
      text = readFileSync(next, 'utf8');
    } catch {
      continue; // The loader says why.
    }
    let program: import('@swc/core').Module | import('@swc/core').Script;
    try {
      program = /\.[mc]?js$/.test(next)
        ? parseSync(text, { syntax: 'ecmascript' })
        : parseSync(text, { syntax: 'typescript', tsx: next.endsWith('.tsx') });
    } catch (e) {
      const { message, line, column } = swcError(String((e as Error).message ?? e));
      return {
        references,
        syntaxError: new ConfigError(line === undefined ? from : `${from}:${line}:${column}`, [
          { path: '', message: `cannot load: ${message}` },
        ]),
      };
    }
    for (const literal of moduleLiterals(program)) {
      const { line, column } = positionOf(text, literal);
      const relativePath =
        literal.value.startsWith('./') || literal.value.startsWith('../') || literal.value === '.' || literal.value === '..';
      const target = relativePath || isAbsolute(literal.value) ? resolveImport(resolve(dirname(next), literal.value)) : undefined;
      references.push({ from, line, column, specifier: literal.value, ...(target ? { target } : {}) });
      if (target?.startsWith(own) && SOURCE_EXTENSIONS.some((ext) => target.endsWith(ext)) && !seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return { references };
}

interface ModuleLiteral {
  readonly value: string;
  /** swc's span start: 1-based, in UTF-8 bytes. */
  readonly start: number;
}

/** The literal module specifiers of a program, at any depth; type-only imports load nothing and are left out. */
function moduleLiterals(program: unknown): ModuleLiteral[] {
  const found: ModuleLiteral[] = [];
  const literal = (node: unknown) => {
    const n = node as
      | { type: 'StringLiteral'; value: string; span: { start: number } }
      | { type: 'TemplateLiteral'; expressions: unknown[]; quasis: { cooked?: string; raw: string }[]; span: { start: number } }
      | undefined;
    if (n?.type === 'StringLiteral') found.push({ value: n.value, start: n.span.start });
    else if (n?.type === 'TemplateLiteral' && n.expressions.length === 0) {
      found.push({ value: n.quasis[0]?.cooked ?? n.quasis[0]?.raw ?? '', start: n.span.start });
    }
  };
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    switch (n.type) {
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
      case 'ExportNamedDeclaration':
        if (n.source && !n.typeOnly) literal(n.source);
        break;
      case 'TsImportEqualsDeclaration': {
        const ref = n.moduleRef as { type: string; expression?: unknown };
        if (!n.isTypeOnly && ref.type === 'TsExternalModuleReference') literal(ref.expression);
        break;
      }
      case 'CallExpression': {
        const callee = n.callee as { type: string; value?: string };
        if (callee.type === 'Import' || (callee.type === 'Identifier' && callee.value === 'require')) {
          literal((n.arguments as { expression: unknown }[])[0]?.expression);
        }
        break;
      }
    }
    for (const value of Object.values(n)) if (value && typeof value === 'object') walk(value);
  };
  walk(program);
  return found;
}

/** 1-based line and column of a literal, from its span (checked against the text), else from where its text first occurs. */
function positionOf(text: string, literal: ModuleLiteral): { line: number; column: number } {
  let offset = Buffer.from(text, 'utf8')
    .subarray(0, Math.max(0, literal.start - 1))
    .toString('utf8').length;
  if (!/^['"`]/.test(text.slice(offset)) || !text.startsWith(literal.value, offset + 1)) {
    offset = Math.max(0, text.search(new RegExp(`['"\`]${literal.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"\`]`)));
  }
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/**
 * swc's message without its drawing, and the position its drawing points at: the caret under the
 * source line, else the location in its header (`,-[6:9]`, given at the end of the file).
 */
function swcError(raw: string): { message: string; line?: number; column?: number } {
  const lines = raw.split('\n');
  const message = lines[0]!.replace(/^\s*x\s+/, '').trim();
  let last: number | undefined;
  for (const l of lines.slice(1)) {
    if (/^\s*`-+/.test(l) || /^\s*$/.test(l)) break;
    const source = /^\s*(\d+) \|/.exec(l);
    if (source) {
      last = Number(source[1]);
      continue;
    }
    const caret = /^\s*:(\s*)\^/.exec(l);
    if (caret && last !== undefined) return { message, line: last, column: caret[1]!.length };
  }
  const header = /,-\[(?:.*:)?(\d+):(\d+)\]/.exec(raw);
  return header ? { message, line: Number(header[1]), column: Number(header[2]) } : { message };
}

/**
 * A definition that does not load: the loader's message, at the line and column of the first frame
 * of the package's own code in the stack (where the definition threw, or called what threw).
 */
function loadFailure(root: string, file: string, e: unknown): ConfigError {
  const error = e as Error;
  const own = join(root, dirname(file));
  const escaped = own.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = new RegExp(`${escaped}/([^:?()\\s]+)(?:\\?[^:()\\s]*)?:(\\d+):(\\d+)`).exec(String(error?.stack ?? ''));
  const where = frame ? `${dirname(file)}/${frame[1]}:${frame[2]}:${frame[3]}` : file;
  const message = String(error?.message ?? e)
    .split('\n')[0]!
    .replace(/^\s*x\s+/, '')
    .trim();
  return new ConfigError(where, [{ path: '', message: `cannot load: ${message}` }]);
}

/** Under the default `require` loader: the modules outside the package its code loaded that the scan did not see. */
function loadedAtRunTime(root: string, dir: string, file: string, scanned: readonly ModuleReference[]): ModuleReference[] {
  // `require` is absent where the definition was loaded as an ES module (the tests' vite loader).
  const entry = typeof require === 'undefined' ? undefined : require.cache[join(root, file)];
  if (!entry) return [];
  const own = join(root, dir) + sep;
  const known = new Set(scanned.flatMap((r) => (r.target ? [r.target] : [])));
  const found: ModuleReference[] = [];
  const seen = new Set<NodeModule>([entry]);
  const visit = (m: NodeModule) => {
    for (const child of m.children) {
      if (seen.has(child)) continue;
      seen.add(child);
      if (child.filename.startsWith(own)) visit(child);
      else if (!known.has(child.filename)) found.push({ from: relative(root, m.filename).split(sep).join('/'), target: child.filename });
    }
  };
  visit(entry);
  return found;
}

/** The references of a package's code to other packages it does not declare, and to code no package owns. */
function crossPackageImports(layout: Layout, dir: string, references: readonly ModuleReference[], raw: unknown): ConfigError[] {
  const spec = (raw as { spec?: { dependsOn?: unknown; dependsOnAll?: unknown } } | undefined)?.spec;
  // A package that depends on every package has every edge already.
  if (spec?.dependsOnAll === true) return [];
  const declared = new Set(Array.isArray(spec?.dependsOn) ? spec.dependsOn.filter((d): d is string => typeof d === 'string') : []);
  const name = dir.split('/')[1]!;
  const errors: ConfigError[] = [];
  for (const ref of references) {
    const owner = ownerOf(layout, ref);
    if (owner === 'fine' || owner === dir) continue;
    const at = ref.line === undefined ? ref.from : `${ref.from}:${ref.line}:${ref.column}`;
    const targetText = ref.target ? workspacePath(layout.root, ref.target) : undefined;
    const what =
      ref.specifier === undefined
        ? `loads ${targetText} at run time`
        : `imports "${ref.specifier}"${targetText && targetText !== ref.specifier ? ` (${targetText})` : ''}`;
    if (owner === undefined) {
      errors.push(
        new ConfigError(at, [
          {
            path: '',
            message: `${what}, which no package owns: no cache key covers it, so nx affected and the cache miss its changes; move the shared code into @b2connect/k8s-lib`,
          },
        ]),
      );
      continue;
    }
    const other = owner.split('/')[1]!;
    if (declared.has(other)) continue;
    errors.push(
      new ConfigError(at, [
        {
          path: '',
          message: `${what}, code of package ${other}, which ${name} does not declare: the project graph sees dependsOn only, so nx affected would skip ${name} and its cache replay a stale bundle when ${other} changes; declare "${other}" in dependsOn, or move the shared code into @b2connect/k8s-lib`,
        },
      ]),
    );
  }
  return errors;
}

/** The package folder a reference leads into, `fine` for the library, npm and node modules, undefined for code no package owns. */
function ownerOf(layout: Layout, ref: ModuleReference): string | 'fine' | undefined {
  if (!ref.target) {
    const scoped = /^(@[^/]+\/[^/]+)/.exec(ref.specifier ?? '')?.[1];
    return (scoped && layout.npmNames.get(scoped)) || 'fine';
  }
  if (ref.target === LIBRARY_DIR || ref.target.startsWith(LIBRARY_DIR + sep)) return 'fine';
  const path = workspacePath(layout.root, ref.target);
  if (path.split('/').includes('node_modules')) return 'fine';
  if (isAbsolute(path)) return undefined;
  return layout.dirs.find((d) => path === d || path.startsWith(`${d}/`));
}

/** A path relative to the workspace root with `/`, or the absolute path when it is outside. */
function workspacePath(root: string, file: string): string {
  const path = relative(root, file);
  return path.startsWith('..') || isAbsolute(path) ? file : path.split(sep).join('/');
}

// Dependency cycles.
//
// Every cycle is refused; there is no way to declare one as mutual. `dependsOn` is more than "talks
// to": it orders the deployment (Flux waits for each dependency to be ready, cluster packages take
// the wave after theirs), so a cycle never becomes ready, and the dependency's address is read at
// build time. Two packages that call each other are one package, or talk through a queue or a store.

/** How many cycles are listed before the rest are summed up: a dense tangle has exponentially many. */
const MAX_CYCLES = 50;

/** Every elementary cycle of the declared dependencies, once each, on the file of its first package by name. */
function dependencyCycles(packages: ReadonlyMap<string, LoadedPackage>): ConfigError[] {
  const names = [...packages.keys()].sort();
  const all = new Set(names.filter((n) => dependsOnAll(packages.get(n)!.definition)));
  const issues = new Map<string, ConfigIssue[]>();
  const report = (pkg: string, issue: ConfigIssue) => issues.set(pkg, [...(issues.get(pkg) ?? []), issue]);

  // A package that depends on every package closes a cycle with each package that depends on it.
  for (const name of names) {
    if (all.has(name)) continue;
    dependenciesOf(packages.get(name)!.definition).forEach((dep, i) => {
      if (all.has(dep)) {
        report(name, {
          path: `dependsOn.${i}`,
          message: `cycle ${name} -> ${dep} -> ${name}: ${dep} depends on every package (dependsOnAll); remove "${dep}"`,
        });
      }
    });
  }

  const edges = new Map(
    names.map((n) => [
      n,
      all.has(n) ? [] : [...new Set(dependenciesOf(packages.get(n)!.definition))].filter((d) => packages.has(d) && !all.has(d)).sort(),
    ]),
  );
  const component = stronglyConnected(names, edges);
  const order = new Map(names.map((n, i) => [n, i]));
  let count = 0;
  let more = false;
  for (const start of names) {
    // A cycle is found from its first package by name only, through packages after it: once each.
    const path = [start];
    const onPath = new Set(path);
    const walk = (node: string): void => {
      for (const next of edges.get(node)!) {
        if (component.get(next) !== component.get(start) || order.get(next)! < order.get(start)!) continue;
        if (next === start) {
          if (count === MAX_CYCLES) {
            more = true;
            return;
          }
          count++;
          report(start, {
            path: 'dependsOn',
            message: `cycle ${[...path, start].join(' -> ')}: dependsOn orders the deployment, so a cycle never becomes ready; remove one of its entries`,
          });
        } else if (!onPath.has(next) && !more) {
          path.push(next);
          onPath.add(next);
          walk(next);
          path.pop();
          onPath.delete(next);
        }
      }
    };
    if (!more) walk(start);
  }
  if (more) {
    const tangled = names.filter((n) => names.some((m) => m !== n && component.get(m) === component.get(n)));
    report(tangled[0]!, {
      path: 'dependsOn',
      message: `more than ${MAX_CYCLES} cycles among ${tangled.join(', ')}; the first ${MAX_CYCLES} are listed`,
    });
  }
  return [...issues].map(([pkg, list]) => new ConfigError(packages.get(pkg)!.file, list));
}

/** Tarjan's strongly connected components: package -> component number. */
function stronglyConnected(names: readonly string[], edges: ReadonlyMap<string, readonly string[]>): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const component = new Map<string, number>();
  let counter = 0;
  const connect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.set(w, index.get(v)!);
      } while (w !== v);
    }
  };
  for (const v of names) if (!index.has(v)) connect(v);
  return component;
}
