import { join } from 'node:path';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import {
  BUNDLE_ROOT,
  ConfigError,
  loadEnvironment,
  readProvenance,
  syncWaves,
  type ModuleLoader,
  type PackageProvenance,
  type SourceRevision,
} from '@b2connect/k8s-lib';
import { batchTasks, buildTaskGroups, sourceRevision, type SynthExecutorOptions, type TaskResult } from '../synth/executor';
import type { TaskRequest } from '../options';
import { publishGitOps } from '../../delivery/gitops';
import { defaultKubectl, publishKubectl, type KubectlRunner } from '../../delivery/kubectl';
import type { PublishRequest, PublishResult } from '../../delivery/types';

export interface DeployExecutorOptions extends SynthExecutorOptions {
  readonly driver?: 'dir' | 'gitops' | 'kubectl';
  readonly dryRun?: boolean;
  /** gitops: push to this repository (a local path or URL) instead of the environment's `delivery.gitops.pushUrl`. */
  readonly repository?: string;
}

export interface DeployIo {
  log?: (line: string) => void;
  error?: (line: string) => void;
  load?: ModuleLoader;
  /** @default - the checkout's commit, and a hash of its uncommitted changes (see `sourceRevision`) */
  source?: SourceRevision | Promise<SourceRevision>;
  kubectl?: KubectlRunner;
}

/**
 * Checks every option first (nothing is built or published when one is wrong), then synth + validate
 * + write (all-or-nothing per group, see the synth executor), recording the source, then publishes
 * each environment once through its driver. A failed publish fails the environment's tasks; its
 * message is printed once.
 */
export async function runDeployTasks(
  root: string,
  tasks: readonly TaskRequest<DeployExecutorOptions>[],
  io: DeployIo = {},
): Promise<Record<string, TaskResult>> {
  const log = io.log ?? console.log;
  const logError = io.error ?? console.error;
  // Asked while the build runs.
  const source = io.source ?? sourceRevision(root);
  const { results, groups } = await buildTaskGroups('deploy', root, tasks, { ...io, source });
  for (const group of groups) {
    if (!group.result) continue;
    const { workspace } = group.result;
    const revision = await source;
    if (revision.uncommitted) {
      log(`deploy: the source tree has uncommitted changes; recorded as ${revision.uncommitted} beside commit ${revision.commit}`);
    }
    for (const envName of group.environments) {
      const bundleDir = join(root, BUNDLE_ROOT, envName);
      const drivers = new Set(group.tasks.map((t) => t.options.driver));
      const repositories = new Set(group.tasks.map((t) => t.options.repository));
      let outcome: PublishResult | Error;
      try {
        if (drivers.size > 1) throw new Error(`tasks of one run ask for different drivers (${[...drivers].join(', ')})`);
        if (repositories.size > 1) throw new Error(`tasks of one run ask for different repositories (${[...repositories].join(', ')})`);
        const envFile = `environments/${envName}.yaml`;
        const env = loadEnvironment(join(root, envFile));
        const driver = [...drivers][0] ?? env.delivery.driver;
        const packages = group.packages;
        const manifest = {
          environment: envName,
          packages: Object.fromEntries(
            packages.flatMap((pkg) => {
              const p: PackageProvenance | undefined = readProvenance(join(bundleDir, pkg));
              return p ? [[pkg, p]] : [];
            }),
          ),
        };
        const req: PublishRequest = {
          envName,
          bundleDir,
          packages,
          workspace: syncWaves(workspace),
          manifest,
          dryRun: group.tasks.some((t) => t.options.dryRun),
          index: group.index,
          log: (line) => log(`  ${envName}: ${line}`),
        };
        log(`deploy: publishing ${envName} through ${driver}${req.dryRun ? ' (dry run)' : ''}`);
        if (driver === 'dir') {
          outcome = { changed: true, summary: `dir: ${join(BUNDLE_ROOT, envName)} (${packages.length} package(s) written)` };
        } else if (driver === 'gitops') {
          const gitops = env.delivery.gitops;
          if (!gitops) throw new ConfigError(envFile, [{ path: 'delivery.gitops', message: 'required by the gitops driver' }]);
          const repository = [...repositories][0] ?? gitops.pushUrl ?? gitops.repository;
          outcome = await publishGitOps(req, { repository, branch: gitops.branch, path: gitops.path });
        } else {
          if (!env.delivery.kubectl)
            throw new ConfigError(envFile, [{ path: 'delivery.kubectl', message: 'required by the kubectl driver' }]);
          const engine = env.delivery.gitops?.engine ?? 'none';
          if (engine !== 'none' && !req.dryRun) {
            // Two deployers of the same objects fight. A server-side dry run changes nothing: allowed.
            throw new ConfigError(envFile, [
              {
                path: 'delivery.gitops.engine',
                message: `the environment is delivered by ${engine}: the kubectl driver would apply its objects and deploy beside it; use --driver=gitops (or --dryRun for a server-side check), or set engine: none for kubectl delivery`,
              },
            ]);
          }
          outcome = await publishKubectl(req, env.delivery.kubectl.context, io.kubectl ?? defaultKubectl(root));
        }
      } catch (e) {
        outcome = e as Error;
      }
      const tasksOfEnv = group.tasks;
      if (outcome instanceof Error) {
        const message = `publish of ${envName} failed: ${outcome.message}`;
        logError(message);
        tasksOfEnv.forEach((task, i) => {
          const previous = results[task.id]!;
          const line = i === 0 ? message : `publish of ${envName} failed (reported by ${tasksOfEnv[0]!.id})`;
          results[task.id] = { ...previous, success: false, terminalOutput: `${previous.terminalOutput}\n${line}` };
        });
      } else {
        const pruned = outcome.pruned?.length ? `; pruned ${outcome.pruned.join(', ')}` : '';
        log(`${envName}: ${outcome.summary}${pruned}`);
        for (const task of tasksOfEnv) {
          const previous = results[task.id]!;
          results[task.id] = { ...previous, terminalOutput: `${previous.terminalOutput}\n${envName}: ${outcome.summary}${pruned}` };
        }
      }
    }
  }
  return results;
}

export default async function deployExecutor(options: DeployExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const id = `${context.projectName}:${context.targetName}`;
  const results = await runDeployTasks(context.root, [{ id, options, configuration: context.configurationName }]);
  return { success: results[id]!.success };
}

export async function batchDeploy(
  taskGraph: TaskGraph,
  inputs: Record<string, DeployExecutorOptions>,
  _overrides: DeployExecutorOptions,
  context: ExecutorContext,
): Promise<Record<string, TaskResult>> {
  return runDeployTasks(context.root, batchTasks(taskGraph, inputs));
}
