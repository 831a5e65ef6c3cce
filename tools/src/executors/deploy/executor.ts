import { join } from 'node:path';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import {
  BUNDLE_ROOT,
  hasCredentials,
  kindOf,
  loadEnvironment,
  slotNamespace,
  readProvenance,
  syncWaves,
  type ModuleLoader,
  type PackageProvenance,
  type SourceRevision,
} from '@b2connect/k8s-lib/pipeline';
import { batchTasks, buildTaskGroups, sourceRevision, type SynthExecutorOptions, type TaskResult } from '../synth/executor';
import type { TaskRequest } from '../options';
import { publishGitOps, type GitOpsTarget } from '../../delivery/gitops';
import { defaultKubectl, publishKubectl, type KubectlRunner } from '../../delivery/kubectl';
import type { PublishRequest, PublishResult } from '../../delivery/types';
import { switchCommit } from './switch-commit';

export interface DeployExecutorOptions extends SynthExecutorOptions {
  readonly driver?: 'dir' | 'gitops' | 'kubectl';
  readonly dryRun?: boolean;
  /** gitops: push to this repository (a local path or URL) instead of the environment's `delivery.gitops.pushUrl`. */
  readonly repository?: string;
  /** The commit the environment file is compared with (a switch commit publishes no slotted package). @default - `NX_BASE` */
  readonly base?: string;
}

export interface DeployIo {
  log?: (line: string) => void;
  error?: (line: string) => void;
  load?: ModuleLoader;
  /** @default - the checkout's commit, and a hash of its uncommitted changes (see `sourceRevision`) */
  source?: SourceRevision | Promise<SourceRevision>;
  kubectl?: KubectlRunner;
  /** @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

/** How one environment is published, resolved from its file and the run's options before anything is built. */
type Delivery =
  | { readonly driver: 'dir' }
  | { readonly driver: 'gitops'; readonly target: GitOpsTarget }
  | { readonly driver: 'kubectl'; readonly context: string };

/**
 * The delivery of each environment the tasks deploy, or every problem with it: tasks of one run that
 * disagree on the driver or repository, a driver without its settings, a `--repository` with
 * credentials, a real kubectl apply to an environment a GitOps engine delivers. An environment file
 * that does not load is left to the build, which reports it with every other problem.
 */
export function resolveDeliveries(
  root: string,
  tasks: readonly TaskRequest<DeployExecutorOptions>[],
): { deliveries: Map<string, Delivery>; problems: string[] } {
  const deliveries = new Map<string, Delivery>();
  const problems: string[] = [];
  const byEnv = new Map<string, TaskRequest<DeployExecutorOptions>[]>();
  for (const task of tasks) {
    const env = task.options.environment;
    if (env) byEnv.set(env, [...(byEnv.get(env) ?? []), task]);
  }
  for (const [envName, envTasks] of byEnv) {
    const envFile = `environments/${envName}.yaml`;
    const drivers = new Set(envTasks.map((t) => t.options.driver));
    const repositories = new Set(envTasks.map((t) => t.options.repository));
    const dryRun = envTasks.some((t) => t.options.dryRun);
    if (drivers.size > 1) problems.push(`${envName}: tasks of one run ask for different drivers (${[...drivers].join(', ')})`);
    if (repositories.size > 1)
      problems.push(`${envName}: tasks of one run ask for different repositories (${[...repositories].join(', ')})`);
    const repository = [...repositories][0];
    if (repository && hasCredentials(repository)) {
      problems.push(
        `--repository: credentials belong in git's credential helper or the CI secret store, not in the URL (it would be logged)`,
      );
    }
    let env;
    try {
      env = loadEnvironment(join(root, envFile));
    } catch {
      continue;
    }
    const driver = [...drivers][0] ?? env.delivery.driver;
    if (driver === 'dir') {
      deliveries.set(envName, { driver });
    } else if (driver === 'gitops') {
      const gitops = env.delivery.gitops;
      if (!gitops) problems.push(`${envFile}: delivery.gitops: required by the gitops driver`);
      else
        deliveries.set(envName, {
          driver,
          target: { repository: repository ?? gitops.pushUrl ?? gitops.repository, branch: gitops.branch, path: gitops.path },
        });
    } else {
      const engine = env.delivery.gitops?.engine ?? 'none';
      if (!env.delivery.kubectl) problems.push(`${envFile}: delivery.kubectl: required by the kubectl driver`);
      else if (engine !== 'none' && !dryRun) {
        // Two deployers of the same objects fight. A server-side dry run changes nothing: allowed.
        problems.push(
          `${envFile}: delivery.gitops.engine: the environment is delivered by ${engine}: the kubectl driver would apply its objects and deploy beside it; use --driver=gitops (or --dryRun for a server-side check), or set engine: none for kubectl delivery`,
        );
      } else deliveries.set(envName, { driver, context: env.delivery.kubectl.context });
    }
  }
  return { deliveries, problems };
}

/**
 * Checks every option and each environment's delivery first (nothing is built or published when one
 * is wrong), then synth + validate + write (all-or-nothing per environment, see the synth executor),
 * recording the source, then publishes each environment once through its driver. A failed publish
 * fails the environment's tasks; its message is printed once.
 */
export async function runDeployTasks(
  root: string,
  tasks: readonly TaskRequest<DeployExecutorOptions>[],
  io: DeployIo = {},
): Promise<Record<string, TaskResult>> {
  const log = io.log ?? console.log;
  const logError = io.error ?? console.error;
  // Asked while the build runs.
  const source = Promise.resolve(io.source ?? sourceRevision(root));
  // Awaited after the build; a rejection is reported there, not as unhandled while it runs.
  source.catch(() => undefined);
  let deliveries = new Map<string, Delivery>();
  const { results, groups } = await buildTaskGroups('deploy', root, tasks, {
    ...io,
    source,
    preflight: (checked) => {
      const resolved = resolveDeliveries(root, checked);
      deliveries = resolved.deliveries;
      return resolved.problems;
    },
  });
  for (const group of groups) {
    if (!group.result) continue;
    const { workspace } = group.result;
    const revision = await source;
    if (revision.uncommitted) {
      log(`deploy: the source tree has uncommitted changes; recorded as ${revision.uncommitted} beside commit ${revision.commit}`);
    }
    for (const envName of group.environments) {
      const bundleDir = join(root, BUNDLE_ROOT, envName);
      const delivery = deliveries.get(envName)!;
      let outcome: PublishResult | Error;
      try {
        const env = workspace.environments.get(envName);
        const slotted = [...workspace.packages.values()].filter((p) => kindOf(p.definition).slotted).map((p) => p.name);
        let packages = group.packages;
        if (env?.slots) {
          const base = group.tasks.map((t) => t.options.base).find((b) => b !== undefined) ?? (io.env ?? process.env)['NX_BASE'];
          const change = switchCommit(root, envName, base);
          if (change.kind === 'switch') {
            // A switch commit: publishing the slotted packages would overwrite the slot a switch back returns to.
            const left = packages.filter((p) => slotted.includes(p));
            packages = packages.filter((p) => !slotted.includes(p));
            log(
              `deploy: ${envName}: only slots.live changed since ${base} (${change.from} -> ${change.to}): a switch; not publishing the slotted packages${left.length ? ` (${left.join(', ')})` : ''}`,
            );
          } else if (change.kind === 'unknown') {
            log(
              `deploy: ${envName}: ${change.reason}: publishing every built package, slotted ones into the idle slot; for a switch commit deploy the ingress only`,
            );
          }
        }
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
          ...(env?.slots
            ? {
                slots: {
                  liveNamespace: slotNamespace(env, env.slots.live),
                  packages: slotted,
                },
              }
            : {}),
          dryRun: group.tasks.some((t) => t.options.dryRun),
          index: group.index,
          log: (line) => log(`  ${envName}: ${line}`),
        };
        log(`deploy: publishing ${envName} through ${delivery.driver}${req.dryRun ? ' (dry run)' : ''}`);
        if (delivery.driver === 'dir') {
          outcome = { changed: true, summary: `dir: ${join(BUNDLE_ROOT, envName)} (${group.packages.length} package(s) written)` };
        } else if (delivery.driver === 'gitops') {
          outcome = await publishGitOps(req, delivery.target);
        } else {
          outcome = await publishKubectl(req, delivery.context, io.kubectl ?? defaultKubectl(root));
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
