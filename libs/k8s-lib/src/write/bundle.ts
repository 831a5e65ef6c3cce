import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError, ConfigErrors, type ConfigIssue } from '../errors';
import { runGate } from '../gate';
import {
  BUNDLE_MANIFEST,
  contentHash,
  provenanceAnnotations,
  renderBundleManifest,
  type PackageProvenance,
  type SourceRevision,
} from './manifest';
import { renderMermaid, type NetworkGraph } from './network-graph';
import { renderRolloutTimelines, rolloutTimelines } from './rollout-timeline';
import { synthesizeEnvironment } from '../build/build';
import { resolveEnvironment } from '../resolve/model';
import { validateObject, type KubeObject } from '../check/validate';
import { dependenciesOf, dependsOnAll, loadWorkspaceWithErrors, type ModuleLoader, type Workspace } from '../load/workspace';
import { KUSTOMIZATION, MANIFESTS, renderEnvironmentIndex, renderManifests, renderPackageKustomization, type BundleFiles } from './writer';
import { writeEnvironments, type EnvironmentWrite } from './environment-writer';
import { observabilityNote } from '../kinds/observability';

/** Version of this library, recorded in every package's provenance. */
export function libVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** The environment's network diagram, beside its index. */
export const NETWORK_DIAGRAM = 'network.md';
/** The picture of a package's canary rollout, beside its manifests, where it has one. */
export const ROLLOUT_TIMELINE = 'rollout.md';

/** Where bundles go, relative to the workspace root. */
export const BUNDLE_ROOT = 'dist/environments';

export interface BuildOptions {
  /** Environments to build. @default - every environment file */
  readonly environments?: readonly string[];
  /** Packages to build, by name. @default - every package */
  readonly packages?: readonly string[];
  /** Also write each environment's index (kustomization.yaml listing every package). @default true */
  readonly index?: boolean;
  /**
   * Where the sources come from (commit, uncommitted changes), recorded in each written package's
   * provenance: a deploy passes it; a build's output depends on its inputs only, so that a cached build
   * never carries another commit. A promise is awaited only once everything is synthesized, so that
   * asking git overlaps the build. @default - not recorded
   */
  readonly source?: SourceRevision | Promise<SourceRevision>;
  /** Folder the environment bundles go to. @default - `<root>/dist/environments` */
  readonly outDir?: string;
  /** Loads `deploy.ts` files. @default require */
  readonly load?: ModuleLoader;
  /** Progress lines as the build goes: each environment synthesized and checked, each written. */
  readonly onProgress?: (line: string) => void;
  /** Called once per package and environment written, for progress output. */
  readonly onPackage?: (env: string, pkg: string, objects: number) => void;
  /**
   * Called for each folder removed from the output because its package (`env/pkg`) or its environment
   * (`env`) is no longer in the workspace.
   */
  readonly onPrune?: (env: string, pkg?: string) => void;
  /** Filled with milliseconds per phase (load, resolve, synthesize, validate, gate, render, write), for profiling. */
  readonly timings?: Map<string, number>;
  /**
   * Keep every environment's objects in the result's `bundles`. A build that only writes passes false:
   * each environment is then rendered as soon as it is checked and its objects are let go, so that the
   * objects of one environment at a time are in memory. @default true
   */
  readonly keepObjects?: boolean;
}

/** What `synthesize` takes: the build's options, and a look at each environment once it is checked. */
export type SynthesisOptions = Pick<BuildOptions, 'environments' | 'packages' | 'load' | 'timings' | 'onProgress' | 'keepObjects'> & {
  /**
   * Called with each environment's written packages and their objects once the environment is
   * checked, while no environment has had a problem (nothing is written after one).
   */
  readonly onEnvironment?: (envName: string, packages: ReadonlyMap<string, readonly KubeObject[]>, workspace: Workspace) => void;
};

/** Adds the time `fn` takes to `phase` in `timings` (when given). */
function timed<T>(timings: Map<string, number> | undefined, phase: string, fn: () => T): T {
  if (!timings) return fn();
  const start = performance.now();
  try {
    return fn();
  } finally {
    timings.set(phase, (timings.get(phase) ?? 0) + performance.now() - start);
  }
}

export interface SynthesisResult {
  readonly workspace: Workspace;
  /** Per environment, per package: the validated objects, in bundle order. */
  readonly bundles: ReadonlyMap<string, ReadonlyMap<string, readonly KubeObject[]>>;
  /** Per environment: the network graph the policies were derived from (drawn in network.md). */
  readonly graphs: ReadonlyMap<string, NetworkGraph>;
}

/**
 * The load, resolve, build and check stages, without writing: load and validate
 * environments and packages, synthesize, validate every object. Every problem of every file is
 * reported at once as ConfigErrors.
 */
export async function synthesize(root: string, options: SynthesisOptions = {}): Promise<SynthesisResult> {
  const loadStart = performance.now();
  // What does not load is reported with what the later stages find in the rest, all at once.
  const { workspace: ws, errors: loadErrors } = await loadWorkspaceWithErrors(root, options.load);
  options.timings?.set('load', performance.now() - loadStart);
  const envNames = options.environments ?? [...ws.environments.keys()];
  const pkgNames = options.packages ?? [...ws.packages.keys()];
  const errors: ConfigError[] = [...loadErrors];
  const failedToLoad = new Set(loadErrors.map((e) => e.file));
  for (const envName of envNames) {
    if (failedToLoad.has(`environments/${envName}.yaml`)) continue;
    if (!ws.environments.has(envName)) {
      errors.push(
        new ConfigError(`environments/${envName}.yaml`, [
          { path: '', message: `no such environment (known: ${[...ws.environments.keys()].join(', ')})` },
        ]),
      );
    }
  }
  if (errors.length > loadErrors.length) throw new ConfigErrors(errors);
  if (loadErrors.length > 0) {
    // Resolve what loaded, for its problems; nothing is synthesized from a workspace that did not load.
    for (const envName of envNames) {
      const env = ws.environments.get(envName);
      if (env) errors.push(...resolveEnvironment(ws, env).errors);
    }
    throw new ConfigErrors(errors);
  }

  // Dependencies are synthesized too (not returned): the gate resolves references into them,
  // such as a store's credentials Secret that a service reads.
  const closure = withDependencies(ws, pkgNames);
  const written = new Set(pkgNames);

  const graphs = new Map<string, NetworkGraph>();
  const bundles = new Map<string, Map<string, KubeObject[]>>();
  let failed: unknown;
  for (const envName of envNames) {
    const { model, errors: unresolved } = timed(options.timings, 'resolve', () => resolveEnvironment(ws, ws.environments.get(envName)!));
    errors.push(...unresolved);
    const synth = timed(options.timings, 'synthesize', () => synthesizeEnvironment(model, closure));
    errors.push(...synth.errors);
    const owner = new Map<string, string>();
    for (const [pkgName, objects] of synth.objects) {
      // Dependencies built only for the gate's references are validated when they are built themselves.
      const issues = timed(options.timings, 'validate', () =>
        (written.has(pkgName) ? objects : []).flatMap((o) =>
          validateObject(o).map((message) => ({ path: `[${envName}] ${o.kind}/${o.metadata.name}`, message })),
        ),
      );
      if (issues.length > 0) errors.push(new ConfigError(ws.packages.get(pkgName)!.file, issues));
      for (const o of objects) owner.set(`${o.kind}/${o.metadata.name}`, pkgName);
    }
    // The policy gate: whole-bundle rules over every object of the environment built in this run.
    const findings = new Map<string, ConfigIssue[]>();
    for (const f of timed(options.timings, 'gate', () => runGate([...synth.objects.values()].flat()))) {
      const file = ws.packages.get(owner.get(f.object) ?? '')?.file ?? `environments/${envName}.yaml`;
      findings.set(file, [
        ...(findings.get(file) ?? []),
        { path: `[${envName}] ${f.object}`, message: `${f.rule}: ${f.message}. Fix: ${f.fix}` },
      ]);
    }
    for (const [file, issues] of findings) errors.push(new ConfigError(file, issues));
    graphs.set(envName, model.graph);
    const packages = new Map([...synth.objects].filter(([name]) => written.has(name)));
    if (options.keepObjects ?? true) bundles.set(envName, packages);
    if (errors.length === 0 && failed === undefined) {
      try {
        options.onEnvironment?.(envName, packages, ws);
      } catch (e) {
        // Reported after the problems of every environment, which come first.
        failed = e;
      }
    }
    const built = [...synth.objects.keys()].filter((name) => written.has(name));
    options.onProgress?.(`${envName}: ${built.length} package(s) synthesized and checked`);
    // What a build chose for an environment that a reader would not guess (a canary that rolls here).
    for (const name of built) for (const note of synth.notes.get(name) ?? []) options.onProgress?.(`${envName}: ${name}: ${note}`);
    const note = observabilityNote(model.env);
    if (note) options.onProgress?.(`${envName}: ${note}`);
  }
  if (errors.length > 0) throw new ConfigErrors(errors);
  if (failed !== undefined) throw failed;
  return { workspace: ws, bundles, graphs };
}

/** The packages and, transitively, everything they depend on, in workspace order. */
export function withDependencies(ws: Workspace, names: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const pkg = ws.packages.get(name);
    if (pkg) for (const dep of dependsOnAll(pkg.definition) ? ws.packages.keys() : dependenciesOf(pkg.definition)) visit(dep);
  };
  names.forEach(visit);
  return [...ws.packages.keys(), ...names.filter((n) => !ws.packages.has(n))].filter((n) => seen.has(n));
}

/** A package of an environment as rendered: its manifests, how many objects they hold, its rollout.md if any. */
interface RenderedPackage {
  readonly manifests: string;
  readonly objects: number;
  readonly rollout: (readonly [string, string])[];
}

/**
 * The main job, every stage: synthesize and validate (see `synthesize`), then write every
 * bundle folder atomically. Nothing is written unless everything is valid.
 */
export async function buildBundles(root: string, options: BuildOptions = {}): Promise<SynthesisResult> {
  // Awaited once everything is synthesized; a rejection is handled there, not reported as unhandled
  // while the synthesis runs.
  const sourceAsked = Promise.resolve(options.source);
  sourceAsked.catch(() => undefined);
  // Each environment is rendered once it is checked, so that its objects need not outlive it.
  const rendered = new Map<string, Map<string, RenderedPackage>>();
  const result = await synthesize(root, {
    ...options,
    onEnvironment: (envName, pkgs, ws) => {
      const files = new Map<string, RenderedPackage>();
      for (const [pkgName, objects] of pkgs) {
        const manifests = timed(options.timings, 'render', () => renderManifests(objects, ws.packages.get(pkgName)!.file));
        files.set(pkgName, { manifests, objects: objects.length, rollout: rolloutFile(pkgName, objects, envName) });
      }
      rendered.set(envName, files);
    },
  });
  const outDir = options.outDir ?? join(root, BUNDLE_ROOT);
  const k8sLib = libVersion();
  const source = await sourceAsked;
  const packageNames = new Set(result.workspace.packages.keys());
  const index = options.index ?? true;
  const writes: EnvironmentWrite[] = [];
  for (const [envName, pkgs] of rendered) {
    const provenance = new Map<string, PackageProvenance>();
    const packages = new Map<string, BundleFiles>();
    for (const [pkgName, { manifests, rollout }] of pkgs) {
      const pkg = result.workspace.packages.get(pkgName)!;
      const p: PackageProvenance = { version: pkg.version, contentHash: contentHash(manifests), k8sLib, ...source };
      provenance.set(pkgName, p);
      packages.set(
        pkgName,
        new Map([[MANIFESTS, manifests], [KUSTOMIZATION, renderPackageKustomization(provenanceAnnotations(p))], ...rollout]),
      );
    }
    writes.push({
      dir: join(outDir, envName),
      packages,
      // A package that left the workspace leaves the environment; every other folder stays as it is.
      keep: (folder) => packageNames.has(folder),
      // The manifest holds every package folder of the workspace in the new environment, so partial
      // and full builds agree; the folders just written are not read back.
      files: (staged) =>
        new Map([
          [BUNDLE_MANIFEST, renderBundleManifest(staged, envName, provenance, packageNames)],
          ...(index
            ? [
                ...renderEnvironmentIndex([...packageNames]),
                [NETWORK_DIAGRAM, renderMermaid(result.graphs.get(envName)!, envName)] as const,
              ]
            : []),
        ]),
    });
  }
  timed(options.timings, 'write', () => {
    for (const w of writes) options.onProgress?.(`${basename(w.dir)}: writing ${w.packages.size} package(s) into ${w.dir}`);
    // An environment that left the workspace leaves the output too.
    const pruned = writeEnvironments(outDir, writes, (env) => result.workspace.environments.has(env));
    for (const [envName, folders] of pruned) {
      if (!rendered.has(envName)) options.onPrune?.(envName);
      for (const folder of folders) options.onPrune?.(envName, folder);
    }
  });
  for (const [envName, pkgs] of rendered) for (const [pkgName, { objects }] of pkgs) options.onPackage?.(envName, pkgName, objects);
  return result;
}

/** `rollout.md` when the package has canary Rollouts; nothing otherwise. */
function rolloutFile(pkgName: string, objects: readonly KubeObject[], envName: string): (readonly [string, string])[] {
  const timelines = rolloutTimelines(new Map([[pkgName, objects]]));
  return timelines.length > 0 ? [[ROLLOUT_TIMELINE, renderRolloutTimelines(timelines, envName)]] : [];
}

/**
 * For a package's own tests: synthesizes the package in `packageDir` (services/<name> or infra/<name>)
 * for every environment of its workspace and returns its objects by environment name.
 */
export async function synthesizePackage(packageDir: string, load?: ModuleLoader): Promise<(env: string) => readonly KubeObject[]> {
  const name = basename(packageDir);
  const { bundles } = await synthesize(join(packageDir, '..', '..'), { packages: [name], load });
  return (env) => {
    const objects = bundles.get(env)?.get(name);
    if (!objects) throw new Error(`no bundle of ${name} for environment "${env}" (environments: ${[...bundles.keys()].join(', ')})`);
    return objects;
  };
}
