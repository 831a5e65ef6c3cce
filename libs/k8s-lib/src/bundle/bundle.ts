import { join } from 'node:path';
import { ConfigError, ConfigErrors } from '../errors';
import { synthesizeEnvironment } from './build';
import { validateObject, type KubeObject } from './validate';
import { loadWorkspace, type ModuleLoader, type Workspace } from './workspace';
import { renderEnvironmentIndex, renderPackage, writeBundles, writeFilesAtomically, type BundleWrite } from './writer';

/** Where bundles go, relative to the workspace root. */
export const BUNDLE_ROOT = 'dist/environments';

export interface BuildOptions {
  /** Environments to build. @default - every environment file */
  readonly environments?: readonly string[];
  /** Packages to build, by name. @default - every package */
  readonly packages?: readonly string[];
  /** Also write each environment's index (kustomization.yaml listing every package). @default true */
  readonly index?: boolean;
  /** Folder the environment bundles go to. @default - `<root>/dist/environments` */
  readonly outDir?: string;
  /** Loads `deploy.ts` files. @default require */
  readonly load?: ModuleLoader;
  /** Called once per package and environment written, for progress output. */
  readonly onPackage?: (env: string, pkg: string, objects: number) => void;
}

export interface BuildResult {
  readonly workspace: Workspace;
  /** Per environment, per package: the objects written. */
  readonly bundles: ReadonlyMap<string, ReadonlyMap<string, readonly KubeObject[]>>;
}

/**
 * The main job, steps 1-4 of the design: load and validate environments and packages, synthesize,
 * validate every object, then write every bundle folder atomically. Nothing is written unless
 * everything is valid; every problem of every file is reported at once as ConfigErrors.
 */
export async function buildBundles(root: string, options: BuildOptions = {}): Promise<BuildResult> {
  const ws = await loadWorkspace(root, options.load);
  const envNames = options.environments ?? [...ws.environments.keys()];
  const pkgNames = options.packages ?? [...ws.packages.keys()];
  const outDir = options.outDir ?? join(root, BUNDLE_ROOT);
  const errors: ConfigError[] = [];
  for (const envName of envNames) {
    if (!ws.environments.has(envName)) {
      errors.push(new ConfigError(`environments/${envName}.yaml`, [{ path: '', message: `no such environment (known: ${[...ws.environments.keys()].join(', ')})` }]));
    }
  }
  if (errors.length > 0) throw new ConfigErrors(errors);

  const writes: BundleWrite[] = [];
  const bundles = new Map<string, Map<string, KubeObject[]>>();
  for (const envName of envNames) {
    const env = ws.environments.get(envName)!;
    const synth = synthesizeEnvironment(ws, env, pkgNames);
    errors.push(...synth.errors);
    for (const [pkgName, objects] of synth.objects) {
      const pkg = ws.packages.get(pkgName)!;
      const issues = objects.flatMap((o) => validateObject(o).map((message) => ({ path: `[${envName}] ${o.kind}/${o.metadata.name}`, message })));
      if (issues.length > 0) {
        errors.push(new ConfigError(pkg.file, issues));
        continue;
      }
      writes.push({ dir: join(outDir, envName, pkgName), files: renderPackage(objects, pkg.file) });
    }
    bundles.set(envName, synth.objects);
  }
  if (errors.length > 0) throw new ConfigErrors(errors);

  writeBundles(writes);
  for (const [envName, pkgs] of bundles) for (const [pkgName, objects] of pkgs) options.onPackage?.(envName, pkgName, objects.length);
  if (options.index ?? true) {
    for (const envName of envNames) writeFilesAtomically(join(outDir, envName), renderEnvironmentIndex([...ws.packages.keys()]));
  }
  return { workspace: ws, bundles };
}
