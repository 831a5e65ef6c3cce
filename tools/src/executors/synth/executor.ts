import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { simpleGit } from 'simple-git';
import { buildBundles, ConfigErrors, discoverEnvironmentNames, type ModuleLoader } from '@b2connect/k8s-lib';

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

interface SynthTask {
  readonly id: string;
  readonly options: SynthExecutorOptions;
}

/**
 * Runs synth tasks in this process: one load of the synthesizer for all of them. Tasks that ask for
 * the same environments are built together and written all-or-nothing.
 */
export async function runSynthTasks(
  root: string,
  tasks: readonly SynthTask[],
  io: { log?: (line: string) => void; error?: (line: string) => void; load?: ModuleLoader; commit?: string } = {},
): Promise<Record<string, TaskResult>> {
  const log = io.log ?? console.log;
  const logError = io.error ?? console.error;
  const results: Record<string, TaskResult> = {};
  // Asked once, while the first group builds.
  const commit = io.commit ?? headCommit(root);
  const groups = new Map<string, SynthTask[]>();
  for (const task of tasks) {
    const key = task.options.environment ?? '*';
    groups.set(key, [...(groups.get(key) ?? []), task]);
  }
  for (const [environment, group] of groups) {
    const startTime = Date.now();
    const environments = environment === '*' ? discoverEnvironmentNames(root) : [environment];
    const all = group.some((t) => t.options.all);
    // No package list builds every package of the workspace.
    const packages = all ? undefined : group.flatMap((t) => (t.options.package ? [t.options.package] : []));
    const index = group.some((t) => !t.options.package);
    const lines = new Map<string, string[]>(group.map((t) => [t.options.package ?? '', []]));
    // The whole-bundle task reports every package.
    const lineFor = (pkg: string) => lines.get(pkg) ?? (all ? lines.get('') : undefined);
    try {
      await buildBundles(root, {
        environments,
        packages,
        index,
        load: io.load,
        commit,
        onPackage: (env, pkg, objects) => lineFor(pkg)?.push(`  ${env}/${pkg}: ${objects} objects`),
      });
      if (index) lines.get('')?.push(...environments.map((env) => `  ${env}/kustomization.yaml`));
      for (const task of group) {
        const output = [`wrote dist/environments (${environments.join(', ')})`, ...(lines.get(task.options.package ?? '') ?? [])].join(
          '\n',
        );
        log(output);
        results[task.id] = { success: true, terminalOutput: output, startTime, endTime: Date.now() };
      }
    } catch (e) {
      const message =
        e instanceof ConfigErrors
          ? `synth failed; nothing was written (${e.errors.length} file${e.errors.length > 1 ? 's' : ''} with problems):\n${e.message}`
          : `synth failed; nothing was written:\n${(e as Error).stack ?? String(e)}`;
      logError(message);
      for (const task of group) results[task.id] = { success: false, terminalOutput: message, startTime, endTime: Date.now() };
    }
  }
  return results;
}

/** The commit being built, recorded in each package's provenance; `unknown` outside a git checkout. */
export async function headCommit(root: string): Promise<string> {
  try {
    return (await simpleGit(root).revparse(['HEAD'])).trim();
  } catch {
    return 'unknown';
  }
}

/** Single-task entry point (`nx run <project>:synth` without batching). */
export default async function synthExecutor(options: SynthExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const id = `${context.projectName}:${context.targetName}`;
  const results = await runSynthTasks(context.root, [{ id, options }]);
  return { success: results[id]!.success };
}

/** Batch entry point: Nx hands over every synth task of the run at once. */
export async function batchSynth(
  taskGraph: TaskGraph,
  inputs: Record<string, SynthExecutorOptions>,
  _overrides: SynthExecutorOptions,
  context: ExecutorContext,
): Promise<Record<string, TaskResult>> {
  const tasks = Object.keys(taskGraph.tasks).map((id) => ({ id, options: inputs[id] ?? {} }));
  return runSynthTasks(context.root, tasks);
}
