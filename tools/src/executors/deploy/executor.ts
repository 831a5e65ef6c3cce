import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import {
  BUNDLE_MANIFEST,
  BUNDLE_ROOT,
  ConfigError,
  discoverEnvironmentNames,
  loadEnvironment,
  type ModuleLoader,
} from '@b2connect/k8s-lib';
import { runSynthTasks, type SynthExecutorOptions, type TaskResult } from '../synth/executor';
import { publishGitOps } from '../../delivery/gitops';
import { defaultKubectl, publishKubectl, type KubectlRunner } from '../../delivery/kubectl';
import type { BundleManifest, PublishResult } from '../../delivery/types';

export interface DeployExecutorOptions extends SynthExecutorOptions {
  readonly driver?: 'dir' | 'gitops' | 'kubectl';
  readonly dryRun?: boolean;
}

export interface DeployIo {
  log?: (line: string) => void;
  error?: (line: string) => void;
  load?: ModuleLoader;
  commit?: string;
  kubectl?: KubectlRunner;
}

/**
 * synth + validate + write (all-or-nothing, see the synth executor), then publish each environment bundle
 * once through its driver. A failed publish fails the environment's tasks with the driver's message.
 */
export async function runDeployTasks(
  root: string,
  tasks: readonly { id: string; options: DeployExecutorOptions }[],
  io: DeployIo = {},
): Promise<Record<string, TaskResult>> {
  const log = io.log ?? console.log;
  const logError = io.error ?? console.error;
  const results = await runSynthTasks(root, tasks, io);
  const byEnv = new Map<string, { id: string; options: DeployExecutorOptions }[]>();
  for (const task of tasks) {
    if (!results[task.id]?.success) continue;
    const envs = (task.options.environment ?? '*') === '*' ? discoverEnvironmentNames(root) : [task.options.environment!];
    for (const env of envs) byEnv.set(env, [...(byEnv.get(env) ?? []), task]);
  }
  for (const [envName, envTasks] of byEnv) {
    const bundleDir = join(root, BUNDLE_ROOT, envName);
    const packages = envTasks.flatMap((t) => (t.options.package ? [t.options.package] : []));
    const drivers = new Set(envTasks.map((t) => t.options.driver));
    const dryRun = envTasks.some((t) => t.options.dryRun);
    let outcome: PublishResult | Error;
    try {
      if (drivers.size > 1) throw new Error(`tasks of one run ask for different drivers (${[...drivers].join(', ')})`);
      const envFile = join(root, 'environments', `${envName}.yaml`);
      const env = loadEnvironment(envFile);
      const driver = [...drivers][0] ?? env.delivery.driver;
      const manifest = JSON.parse(readFileSync(join(bundleDir, BUNDLE_MANIFEST), 'utf8')) as BundleManifest;
      const req = { envName, bundleDir, packages, manifest, dryRun };
      if (driver === 'dir') {
        outcome = { changed: true, summary: `dir: ${join(BUNDLE_ROOT, envName)} (${packages.length} package(s) written)` };
      } else if (driver === 'gitops') {
        if (!env.delivery.gitops)
          throw new ConfigError(`environments/${envName}.yaml`, [{ path: 'delivery.gitops', message: 'required by the gitops driver' }]);
        outcome = await publishGitOps(req, env.delivery.gitops);
      } else {
        if (!env.delivery.kubectl)
          throw new ConfigError(`environments/${envName}.yaml`, [{ path: 'delivery.kubectl', message: 'required by the kubectl driver' }]);
        outcome = await publishKubectl(req, env.delivery.kubectl.context, io.kubectl ?? defaultKubectl(root));
      }
    } catch (e) {
      outcome = e as Error;
    }
    for (const task of envTasks) {
      const previous = results[task.id]!;
      if (outcome instanceof Error) {
        const message = `publish of ${envName} failed: ${outcome.message}`;
        logError(message);
        results[task.id] = { success: false, terminalOutput: `${previous.terminalOutput}\n${message}` };
      } else {
        results[task.id] = { ...previous, terminalOutput: `${previous.terminalOutput}\n${envName}: ${outcome.summary}` };
      }
    }
    if (!(outcome instanceof Error)) log(`${envName}: ${outcome.summary}`);
  }
  return results;
}

export default async function deployExecutor(options: DeployExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const id = `${context.projectName}:${context.targetName}`;
  const results = await runDeployTasks(context.root, [{ id, options }]);
  return { success: results[id]!.success };
}

export async function batchDeploy(
  taskGraph: TaskGraph,
  inputs: Record<string, DeployExecutorOptions>,
  _overrides: DeployExecutorOptions,
  context: ExecutorContext,
): Promise<Record<string, TaskResult>> {
  const tasks = Object.keys(taskGraph.tasks).map((id) => ({ id, options: inputs[id] ?? {} }));
  return runDeployTasks(context.root, tasks);
}
