import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { simpleGit } from 'simple-git';
import {
  buildBundles,
  BundleWriteError,
  ConfigErrors,
  discoverEnvironmentNames,
  type ModuleLoader,
  type SourceRevision,
  type SynthesisResult,
} from '@b2connect/k8s-lib/pipeline';
import { checkOptions, type TaskRequest } from '../options';
import { refuseChangedInputs } from '../input-check';

export interface SynthExecutorOptions {
  /** Environment name, or `*` for every environment. */
  readonly environment?: string;
  /** Package (folder) name; absent for the environments project, which writes the indexes. */
  readonly package?: string;
  /** Every package of the workspace, and the indexes: the whole bundle in one task (`environments:build`). */
  readonly all?: boolean;
}

/** What Nx expects per task from a batch. */
export interface TaskResult {
  success: boolean;
  terminalOutput: string;
  startTime?: number;
  endTime?: number;
}

export interface SynthIo {
  log?: (line: string) => void;
  error?: (line: string) => void;
  load?: ModuleLoader;
  /** Recorded in each written package's provenance (deploys). @default - none (a build records no commit) */
  source?: SourceRevision | Promise<SourceRevision>;
  /** More checks of the option-checked tasks before anything is built; their problems refuse the run too. */
  preflight?: (tasks: readonly TaskRequest<never>[]) => string[];
}

/** Tasks built together (the same environments), and what they built. */
export interface BuiltGroup<O extends SynthExecutorOptions = SynthExecutorOptions> {
  readonly environments: readonly string[];
  readonly tasks: readonly TaskRequest<O>[];
  /** The packages written (every package of the workspace for the whole-bundle task). */
  readonly packages: readonly string[];
  /** Whether the environment indexes (kustomization.yaml, network.md) were written too. */
  readonly index: boolean;
  /** The synthesis, when it succeeded. */
  readonly result?: SynthesisResult;
}

/**
 * Checks every task's options against the executor's schema and the environments, then builds the
 * tasks that ask for the same environments together, each group written all-or-nothing, in this
 * process: one load of the synthesizer for all of them.
 */
export async function buildTaskGroups<O extends SynthExecutorOptions>(
  executor: 'synth' | 'deploy',
  root: string,
  requested: readonly TaskRequest<O>[],
  io: SynthIo = {},
): Promise<{ results: Record<string, TaskResult>; groups: BuiltGroup<O>[] }> {
  const log = io.log ?? console.log;
  const logError = io.error ?? console.error;
  const results: Record<string, TaskResult> = {};
  const { problems, tasks } = checkOptions(executor, requested, discoverEnvironmentNames(root));
  if (problems.length === 0 && io.preflight) problems.push(...io.preflight(tasks as never));
  if (problems.length > 0) {
    const message = `${executor} refused; nothing was built or published:\n${problems.map((p) => `  ${p}`).join('\n')}`;
    logError(message);
    for (const task of tasks) results[task.id] = { success: false, terminalOutput: message };
    return { results, groups: [] };
  }
  const byEnvironment = new Map<string, TaskRequest<O>[]>();
  for (const task of tasks) {
    const key = task.options.environment ?? '*';
    byEnvironment.set(key, [...(byEnvironment.get(key) ?? []), task]);
  }
  const groups: BuiltGroup<O>[] = [];
  for (const [environment, group] of byEnvironment) {
    const startTime = Date.now();
    const environments = environment === '*' ? discoverEnvironmentNames(root) : [environment];
    const all = group.some((t) => t.options.all);
    const named = group.flatMap((t) => (t.options.package ? [t.options.package] : []));
    const index = all || group.some((t) => !t.options.package);
    const lines = new Map<string, string[]>(group.map((t) => [t.options.package ?? '', []]));
    // The whole-bundle task reports every package.
    const lineFor = (pkg: string) => lines.get(pkg) ?? (all ? lines.get('') : undefined);
    log(`${executor}: building ${all ? 'every package' : `${named.length} package(s)`} for ${environments.join(', ')}`);
    try {
      const result = await buildBundles(root, {
        environments,
        // No package list builds every package of the workspace.
        packages: all ? undefined : named,
        index,
        load: io.load,
        source: io.source,
        // Only the workspace of the result is used: each environment's objects go once it is written.
        keepObjects: false,
        onProgress: (line) => log(`  ${line}`),
        onPackage: (env, pkg, objects) => lineFor(pkg)?.push(`  ${env}/${pkg}: ${objects} objects`),
        onPrune: (env, pkg) => {
          const line = pkg
            ? `  ${env}/${pkg}: pruned (no longer a package of the workspace)`
            : `  ${env}: pruned (no longer an environment)`;
          log(line);
          (lines.get('') ?? lines.get(named[0] ?? ''))?.push(line);
        },
      });
      if (index) lines.get('')?.push(...environments.map((env) => `  ${env}/kustomization.yaml`));
      groups.push({ environments, tasks: group, packages: all ? [...result.workspace.packages.keys()] : named, index, result });
      for (const task of group) {
        const output = [`wrote dist/environments (${environments.join(', ')})`, ...(lines.get(task.options.package ?? '') ?? [])].join(
          '\n',
        );
        results[task.id] = { success: true, terminalOutput: output, startTime, endTime: Date.now() };
      }
    } catch (e) {
      const message =
        e instanceof ConfigErrors
          ? `${executor} failed; nothing was written (${e.errors.length} file${e.errors.length > 1 ? 's' : ''} with problems):\n${e.message}`
          : e instanceof BundleWriteError
            ? `${executor} failed: ${e.message}`
            : `${executor} failed; nothing was written:\n${(e as Error).stack ?? String(e)}`;
      logError(message);
      groups.push({ environments, tasks: group, packages: named, index });
      // Reported once: the other tasks of the group point at it.
      group.forEach((task, i) => {
        const terminalOutput = i === 0 ? message : `${executor} failed (the problems are reported by ${group[0]!.id})`;
        results[task.id] = { success: false, terminalOutput, startTime, endTime: Date.now() };
      });
    }
  }
  return { results, groups };
}

/** Runs synth tasks in this process (see `buildTaskGroups`); a build records no commit. */
export async function runSynthTasks(
  root: string,
  tasks: readonly TaskRequest<SynthExecutorOptions>[],
  io: Omit<SynthIo, 'source'> = {},
): Promise<Record<string, TaskResult>> {
  return (await buildTaskGroups('synth', root, tasks, io)).results;
}

/**
 * Where the sources come from: the commit, and when the tree has uncommitted changes (tracked or
 * untracked, ignored files aside) a sha256 of them, so that a bundle built from a dirty tree never
 * claims to be the commit. `unknown` outside a git checkout.
 */
export async function sourceRevision(root: string): Promise<SourceRevision> {
  const git = simpleGit(root);
  let commit: string;
  try {
    commit = (await git.revparse(['HEAD'])).trim();
  } catch {
    return { commit: 'unknown' };
  }
  const status = await git.raw(['status', '--porcelain=v1', '-z', '--untracked-files=all']);
  if (status === '') return { commit };
  const hash = createHash('sha256').update(await git.raw(['diff', 'HEAD', '--binary']));
  const untracked = status
    .split('\0')
    .filter((entry) => entry.startsWith('?? '))
    .map((entry) => entry.slice(3))
    .sort();
  const top = (await git.revparse(['--show-toplevel'])).trim();
  for (const file of untracked) {
    const path = join(top, file);
    // A link is hashed as what it points to (the name), as git would store it.
    hash.update(`\0${file}\0`).update(lstatSync(path).isSymbolicLink() ? readlinkSync(path) : readFileSync(path));
  }
  return { commit, uncommitted: `sha256:${hash.digest('hex')}` };
}

/** Single-task entry point (`nx run <project>:synth` without batching). */
export default async function synthExecutor(options: SynthExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const id = `${context.projectName}:${context.targetName}`;
  const results = await runSynthTasks(context.root, [{ id, options, configuration: context.configurationName }]);
  // Outside a batch the task's id in the graph carries its configuration (`project:target:config`).
  const taskId = context.configurationName ? `${id}:${context.configurationName}` : id;
  if (context.taskGraph && results[id]!.success) {
    const checked = await refuseChangedInputs(context, context.taskGraph, { [taskId]: results[id]! });
    return { success: checked[taskId]!.success };
  }
  return { success: results[id]!.success };
}

/** The tasks of a batch with their options and configurations. */
export function batchTasks<O>(taskGraph: TaskGraph, inputs: Record<string, O>): TaskRequest<O>[] {
  return Object.keys(taskGraph.tasks).map((id) => ({
    id,
    options: inputs[id] ?? ({} as O),
    configuration: taskGraph.tasks[id]!.target.configuration,
  }));
}

/** Batch entry point: Nx hands over every synth task of the run at once. */
export async function batchSynth(
  taskGraph: TaskGraph,
  inputs: Record<string, SynthExecutorOptions>,
  _overrides: SynthExecutorOptions,
  context: ExecutorContext,
): Promise<Record<string, TaskResult>> {
  return refuseChangedInputs(context, taskGraph, await runSynthTasks(context.root, batchTasks(taskGraph, inputs)));
}
