import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Expression, ObjectExpression } from '@swc/core';
import {
  createNodesFromFiles,
  DependencyType,
  type CreateDependencies,
  type CreateNodesV2,
  type RawProjectGraphDependency,
  type TargetConfiguration,
} from '@nx/devkit';
import { discoverEnvironmentNames } from '@b2connect/k8s-lib/discover';

/**
 * Infers the targets of every deployable package from its marker file (`deploy.ts`), and of the
 * `environments` project from the environment files. No package has a hand-written project.json.
 */

const MARKERS = '{services/*/deploy.ts,infra/*/deploy.ts,environments/*.yaml}';

/** The project of the environment files: the environment indexes, the whole-bundle build, deploys of every package. */
const ENVIRONMENTS_PROJECT = 'environments';

/** Everything a synthesis reads besides the package itself and k8s-lib. */
const SYNTH_INPUTS = [
  'environments',
  'synthesizer',
  { externalDependencies: ['cdk8s', 'cdk8s-plus-28', 'constructs', 'kubernetes-models', 'yaml', 'js-yaml', 'ajv', 'zod'] },
];

/** The environment names of one createNodes run: each target gets its own configurations from them. */
type Environments = readonly string[];

/** One Nx configuration per environment (`-c prod`). */
function configurations(environments: Environments): Record<string, { environment: string }> {
  return Object.fromEntries(environments.map((env) => [env, { environment: env }]));
}

function synthTarget(environments: Environments, pkg: string | undefined, outputs: string[], description: string): TargetConfiguration {
  return {
    executor: '@b2connect/nx-plugin:synth',
    options: pkg ? { environment: '*', package: pkg } : { environment: '*' },
    configurations: configurations(environments),
    cache: true,
    // The environments project depends on every package (see createDependencies): its network diagram
    // reads every definition.
    inputs: ['deployable', '^deployable', ...SYNTH_INPUTS],
    outputs,
    metadata: { description },
  };
}

/**
 * The main job (`npm run build`): every package of every environment in one task, one process and
 * one cache entry. Per-package tasks pay Nx's overhead per task (hashing, storing outputs, the daemon's
 * output tracking), which dominates for hundreds of packages; per-package `synth` and `deploy` remain
 * for `nx affected` and for building a single package.
 */
function wholeBundleTarget(environments: Environments): TargetConfiguration {
  return {
    executor: '@b2connect/nx-plugin:synth',
    options: { environment: '*', all: true },
    configurations: configurations(environments),
    cache: true,
    inputs: [
      '{workspaceRoot}/services/**/*',
      '{workspaceRoot}/infra/**/*',
      '{workspaceRoot}/libs/k8s-lib/**/*',
      '!{workspaceRoot}/**/*.test.ts',
      '!{workspaceRoot}/**/*.md',
      ...SYNTH_INPUTS,
    ],
    outputs: ['{workspaceRoot}/dist/environments/{options.environment}'],
    metadata: { description: 'Build every package of every environment (or -c <env>) into dist/environments/, in one process' },
  };
}

function deployTarget(environments: Environments, pkg: string | undefined): TargetConfiguration {
  return {
    executor: '@b2connect/nx-plugin:deploy',
    // No environment by default: a deploy names one (`-c prod`); a misspelt one is refused by the executor.
    options: pkg ? { package: pkg } : {},
    configurations: configurations(environments),
    // Publishing is a side effect: never replayed from the cache.
    cache: false,
    metadata: {
      description: `Build ${pkg ?? 'the environment indexes'} into dist/environments/<env>/ and publish it (-c <env> required; driver from the environment, or --driver=dir|gitops|kubectl; --dryRun; --repository for gitops)`,
    },
  };
}

/**
 * The blue-green switch (`nx run environments:switch -c prod --to green`): it changes an environment
 * file, so it belongs to the project of the environment files; it rebuilds the environment, in which
 * only the ingress bundle changes.
 */
function switchTarget(environments: Environments): TargetConfiguration {
  return {
    executor: '@b2connect/nx-plugin:switch',
    options: {},
    configurations: configurations(environments),
    // It edits a source file: never replayed from the cache.
    cache: false,
    metadata: {
      description:
        'Switch the public hosts of a blue-green environment to a slot (-c <env> --to <slot>): checks the slot bundle, changes slots.live, rebuilds, prints the diff; switching back is the rollback',
    },
  };
}

export const createNodesV2: CreateNodesV2 = [
  MARKERS,
  (files, options, context) => {
    // Read once per run, not once per package: hundreds of packages share it.
    const environments = discoverEnvironmentNames(context.workspaceRoot);
    return createNodesFromFiles(
      (file) => {
        if (file.startsWith('environments/')) {
          return {
            projects: {
              [ENVIRONMENTS_PROJECT]: {
                name: ENVIRONMENTS_PROJECT,
                targets: {
                  synth: synthTarget(
                    environments,
                    undefined,
                    [
                      '{workspaceRoot}/dist/environments/{options.environment}/kustomization.yaml',
                      '{workspaceRoot}/dist/environments/{options.environment}/network.md',
                    ],
                    'Write each environment index (dist/environments/<env>/kustomization.yaml listing every package)',
                  ),
                  build: wholeBundleTarget(environments),
                  deploy: deployTarget(environments, undefined),
                  switch: switchTarget(environments),
                },
              },
            },
          };
        }
        const root = dirname(file);
        const pkg = basename(root);
        const manifest = JSON.parse(readFileSync(join(context.workspaceRoot, root, 'package.json'), 'utf8')) as { name: string };
        return {
          projects: {
            [root]: {
              name: manifest.name,
              tags: ['deployable', `scope:${root.split('/')[0]}`],
              targets: {
                synth: synthTarget(
                  environments,
                  pkg,
                  [`{workspaceRoot}/dist/environments/{options.environment}/${pkg}`],
                  `Synthesize, validate and write ${pkg} into dist/environments/<env>/${pkg}/ (all environments, or -c <env>)`,
                ),
                deploy: deployTarget(environments, pkg),
                test: {
                  command: `vitest run --passWithNoTests ${root}/`,
                  options: { cwd: '{workspaceRoot}' },
                  cache: true,
                  inputs: ['default', '^deployable', 'environments', { externalDependencies: ['vitest'] }],
                  outputs: [],
                  metadata: { description: `Run the tests of ${pkg}` },
                },
              },
            },
          },
        };
      },
      files,
      options,
      context,
    );
  },
];

/**
 * A package's bundle depends on the packages it declares in `dependsOn` (their names, ports and
 * connection settings reach its ConfigMap and policies), so each declaration is a project-graph edge:
 * `nx affected` rebuilds a package when one of its dependencies changes, and `^deployable` puts the
 * dependency's definition into the package's cache key. A definition that fails to load adds no edge;
 * the synth reports it with its file name.
 */
export const createDependencies: CreateDependencies = (_options, context) => {
  const projectByFolder = new Map<string, string>();
  for (const [name, project] of Object.entries(context.projects)) {
    if (/^(services|infra)\/[^/]+$/.test(project.root) && existsSync(join(context.workspaceRoot, project.root, 'deploy.ts'))) {
      projectByFolder.set(basename(project.root), name);
    }
  }
  const dependencies: RawProjectGraphDependency[] = [];
  const cacheFile = join(context.workspaceRoot, '.nx', 'workspace-data', 'b2connect-depends-on.json');
  const cache = readCache(cacheFile);
  const fresh: DependsOnCache = {};
  for (const source of projectByFolder.values()) {
    const sourceFile = `${context.projects[source]!.root}/deploy.ts`;
    // Loading a definition loads k8s-lib (half a second): reuse what an unchanged file declared last time.
    const file = join(context.workspaceRoot, sourceFile);
    const text = readFileSync(file, 'utf8');
    const hash = createHash('sha256').update(text).digest('hex');
    let declared: Declared | undefined = cache[sourceFile]?.hash === hash ? cache[sourceFile]!.declared : undefined;
    declared ??= staticDependsOn(text);
    if (declared === undefined) {
      try {
        // A long-lived process (the Nx daemon) must see the file as it is now.
        delete require.cache[file];
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- definitions are TypeScript modules, loaded through @b2connect/k8s-lib/register
        const mod = require(file) as { default?: { spec?: { dependsOn?: unknown; dependsOnAll?: unknown } } };
        const spec = mod.default?.spec;
        declared = spec?.dependsOnAll === true ? '*' : Array.isArray(spec?.dependsOn) ? spec.dependsOn.map(String) : [];
      } catch {
        continue;
      }
    }
    fresh[sourceFile] = { hash, declared };
    if (declared === '*') {
      // Implicit, not tied to the file: Nx keeps the static edges of an unchanged file from its last
      // graph, which would miss a package added since.
      for (const target of projectByFolder.values()) {
        if (target !== source) dependencies.push({ source, target, type: DependencyType.implicit });
      }
      continue;
    }
    for (const target of declared.flatMap((dep) => projectByFolder.get(dep) ?? [])) {
      if (target !== source) dependencies.push({ source, target, sourceFile, type: DependencyType.static });
    }
  }
  // The environment indexes and network diagrams are about every package.
  if (context.projects[ENVIRONMENTS_PROJECT]) {
    for (const target of projectByFolder.values()) {
      dependencies.push({ source: ENVIRONMENTS_PROJECT, target, type: DependencyType.implicit });
    }
  }
  writeCache(cacheFile, fresh);
  return dependencies;
};

/** What a definition declares about its dependencies: package names, or `*` for every package (`dependsOnAll`). */
type Declared = string[] | '*';

/**
 * The `dependsOn` of a definition written the usual way (`export default defineX({ ..., dependsOn: ['a', 'b'] })`),
 * read from the source without running it: running it loads k8s-lib, which the project graph should not
 * wait for. `undefined` when the file does not say it literally (a spread, a variable, another shape):
 * the caller then loads the module.
 */
export function staticDependsOn(source: string): Declared | undefined {
  // Loaded here rather than at the top: swc's native binding costs every Nx process that loads the
  // plugin about 25 ms, and it is only needed when a definition changed since the last graph. Outside
  // the try: a broken install must fail loudly, not lose the graph's edges.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseSync } = require('@swc/core') as typeof import('@swc/core');
  let program;
  try {
    program = parseSync(source, { syntax: 'typescript' });
  } catch {
    return undefined;
  }
  const exported = program.body.find((item) => item.type === 'ExportDefaultExpression');
  if (exported?.type !== 'ExportDefaultExpression') return undefined;
  const spec = specObject(unwrap(exported.expression));
  if (!spec) return undefined;
  let dependsOn: string[] = [];
  let all = false;
  for (const property of spec.properties) {
    if (property.type === 'SpreadElement') return undefined;
    if (property.type === 'Identifier') {
      if (property.value === 'dependsOn' || property.value === 'dependsOnAll') return undefined;
      continue;
    }
    const key = propertyName(property);
    if (key === undefined) return undefined;
    if (key !== 'dependsOn' && key !== 'dependsOnAll') continue;
    // A getter or a method computes it: only running the module tells.
    if (property.type !== 'KeyValueProperty') return undefined;
    const value = unwrap(property.value);
    if (key === 'dependsOnAll') {
      if (value.type !== 'BooleanLiteral') return undefined;
      all = value.value;
      continue;
    }
    if (value.type !== 'ArrayExpression') return undefined;
    dependsOn = [];
    for (const element of value.elements) {
      const item = element && !element.spread ? unwrap(element.expression) : undefined;
      if (item?.type !== 'StringLiteral') return undefined;
      dependsOn.push(item.value);
    }
  }
  return all ? '*' : dependsOn;
}

/** The spec object literal of `defineX({...})` or of a definition written as data, `{ kind, spec: {...} }`. */
function specObject(expression: Expression): ObjectExpression | undefined {
  if (expression.type === 'CallExpression') {
    const { callee, arguments: args } = expression;
    if (callee.type !== 'Identifier' || !/^define[A-Z]/.test(callee.value) || args.length !== 1 || args[0]!.spread) return undefined;
    const spec = unwrap(args[0]!.expression);
    return spec.type === 'ObjectExpression' ? spec : undefined;
  }
  if (expression.type !== 'ObjectExpression') return undefined;
  if (expression.properties.some((p) => p.type === 'SpreadElement')) return undefined;
  const spec = expression.properties.find((p) => p.type === 'KeyValueProperty' && propertyName(p) === 'spec');
  const value = spec?.type === 'KeyValueProperty' ? unwrap(spec.value) : undefined;
  return value?.type === 'ObjectExpression' ? value : undefined;
}

/** A property's name when it is written literally; undefined for a computed one. */
function propertyName(property: ObjectExpression['properties'][number]): string | undefined {
  if (!('key' in property)) return undefined;
  const key = property.key;
  return key.type === 'Identifier' || key.type === 'StringLiteral' ? key.value : undefined;
}

/** `(x)`, `x as T`, `x satisfies T`, `<T>x` and `x!` are all `x`. */
function unwrap(expression: Expression): Expression {
  let current = expression;
  while (
    current.type === 'ParenthesisExpression' ||
    current.type === 'TsAsExpression' ||
    current.type === 'TsSatisfiesExpression' ||
    current.type === 'TsConstAssertion' ||
    current.type === 'TsTypeAssertion' ||
    current.type === 'TsNonNullExpression'
  ) {
    current = current.expression;
  }
  return current;
}

type DependsOnCache = Record<string, { hash: string; declared: Declared }>;

function readCache(file: string): DependsOnCache {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DependsOnCache;
  } catch {
    return {};
  }
}

function writeCache(file: string, cache: DependsOnCache): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(cache));
  } catch {
    // The cache only saves time.
  }
}
