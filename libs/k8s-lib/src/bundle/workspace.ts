import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ConfigError, ConfigErrors } from '../errors';
import {
  FrontendSpecSchema,
  WebServiceSpecSchema,
  type DeployableDefinition,
  type FrontendSpec,
  type WebServiceSpec,
} from '../config/definition';
import { loadEnvironment, type Environment } from '../config/environment';
import { discoverEnvironmentNames, discoverPackageDirs, ENVIRONMENTS_DIR, MARKER_FILE, PACKAGE_ROOTS } from './discover';

export * from './discover';
import { ClusterPackageSpecSchema, type ClusterPackageSpec } from '../config/cluster-package';
import { StoreSpecSchema, type StoreSpec } from '../config/store';

export type LoadedDefinition =
  | { readonly kind: 'web-service'; readonly spec: WebServiceSpec }
  | { readonly kind: 'frontend'; readonly spec: FrontendSpec }
  | { readonly kind: 'store'; readonly spec: StoreSpec }
  | { readonly kind: 'cluster'; readonly spec: ClusterPackageSpec };

const SCHEMAS = {
  'web-service': WebServiceSpecSchema,
  frontend: FrontendSpecSchema,
  store: StoreSpecSchema,
  cluster: ClusterPackageSpecSchema,
} as const;

/** Packages a definition declares it talks to or needs first. */
export function dependenciesOf(definition: LoadedDefinition): readonly string[] {
  return 'dependsOn' in definition.spec ? definition.spec.dependsOn : [];
}

/** Whether a package depends on every other package of the workspace (`dependsOnAll`). */
export function dependsOnAll(definition: LoadedDefinition): boolean {
  return definition.kind === 'cluster' && definition.spec.dependsOnAll;
}

export interface LoadedPackage {
  readonly name: string;
  /** Folder relative to the workspace root, for example services/catalog. */
  readonly dir: string;
  /** The definition file relative to the workspace root: every error names it. */
  readonly file: string;
  readonly version: string;
  readonly definition: LoadedDefinition;
}

export interface Workspace {
  readonly root: string;
  readonly environments: ReadonlyMap<string, Environment>;
  readonly packages: ReadonlyMap<string, LoadedPackage>;
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
  for (const dir of dirs) {
    const file = `${dir}/${MARKER_FILE}`;
    try {
      packages.set(dir.split('/')[1]!, await loadPackage(root, dir, file, load, known, envNames));
    } catch (e) {
      errors.push(rebase(e, root));
    }
  }
  if (errors.length > 0) throw new ConfigErrors(errors);
  return { root, environments, packages };
}

async function loadPackage(
  root: string,
  dir: string,
  file: string,
  load: ModuleLoader,
  known: Set<string>,
  envNames: Set<string>,
): Promise<LoadedPackage> {
  const folderName = dir.split('/')[1]!;
  let version = '0.0.0';
  try {
    version = (JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch (e) {
    throw new ConfigError(`${dir}/package.json`, [{ path: '', message: `cannot read: ${(e as Error).message}` }]);
  }
  let mod: unknown;
  try {
    mod = await load(join(root, file));
  } catch (e) {
    throw new ConfigError(file, [{ path: '', message: `cannot load: ${(e as Error).message.split('\n')[0]}` }]);
  }
  const raw = ((mod as { default?: unknown }).default ?? mod) as DeployableDefinition | undefined;
  if (!raw || typeof raw !== 'object' || !('kind' in raw) || !('spec' in raw)) {
    throw new ConfigError(file, [
      { path: '', message: 'must `export default` a definition, for example `export default defineWebService({...})`' },
    ]);
  }
  const schema = SCHEMAS[raw.kind as keyof typeof SCHEMAS] as (typeof SCHEMAS)[keyof typeof SCHEMAS] | undefined;
  if (!schema) {
    throw new ConfigError(file, [
      { path: 'kind', message: `unknown kind "${String(raw.kind)}" (known: ${Object.keys(SCHEMAS).join(', ')})` },
    ]);
  }
  const parsed = schema.safeParse(raw.spec);
  if (!parsed.success) throw ConfigError.fromZod(file, parsed.error);
  const spec = parsed.data;
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
  if (issues.length > 0) throw new ConfigError(file, issues);
  return { name: spec.name, dir, file, version, definition };
}

function rebase(e: unknown, root: string): ConfigError {
  if (e instanceof ConfigError) {
    const file = e.file.startsWith('/') ? relative(root, e.file) : e.file;
    return file === e.file ? e : new ConfigError(file, e.issues);
  }
  throw e;
}
