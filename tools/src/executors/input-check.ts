import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutorContext, Task, TaskGraph } from '@nx/devkit';

/**
 * The inputs of each task that changed while it ran: Nx computes a task's hash before running it and
 * stores the outputs under that hash afterwards, so an input edited in between (a save in the editor,
 * a concurrent checkout) would store one input's bundle under another input's key. The hashes are
 * computed again with Nx's own hasher over the files as they are now; a task whose hash moved is
 * reported with the inputs that moved (Nx's hash detail names: a project's file set, an external
 * dependency, the lock file). Tasks without a hash (run outside Nx's task runner) are skipped.
 */
export async function changedInputs(
  context: ExecutorContext,
  taskGraph: TaskGraph,
  ids: readonly string[],
): Promise<Map<string, string[]>> {
  const tasks = ids.map((id) => taskGraph.tasks[id]).filter((t): t is Task => t !== undefined && typeof t.hash === 'string');
  const changed = new Map<string, string[]>();
  if (tasks.length === 0 || !context.projectGraph) return changed;
  /* eslint-disable @typescript-eslint/no-require-imports -- Nx's own hasher, not part of @nx/devkit's API */
  const { WorkspaceContext } = require('nx/src/native') as typeof import('nx/src/native');
  const { InProcessTaskHasher } = require('nx/src/hasher/task-hasher') as typeof import('nx/src/hasher/task-hasher');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const roots = Object.fromEntries(Object.values(context.projectGraph.nodes).map((node) => [node.data.root, node.name]));
  // The files as they are now, each read and hashed again: a context of its own with an empty cache
  // folder. Nx's usual contexts answer from what they read before (this process's, and the cache
  // folder the daemon keeps), and with the daemon on its answer holds no native file references.
  const scratch = mkdtempSync(join(tmpdir(), 'b2c-input-check-'));
  let externalReferences: import('nx/src/native').NxWorkspaceFilesExternals;
  try {
    externalReferences = new WorkspaceContext(context.root, scratch).getWorkspaceFiles(roots).externalReferences!;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const hasher = new InProcessTaskHasher(context.projectGraph, context.nxJsonConfiguration, externalReferences, {});
  const now = await hasher.hashTasks(tasks, taskGraph, process.env);
  tasks.forEach((task, i) => {
    if (now[i]!.value === task.hash) return;
    const before = task.hashDetails?.nodes ?? {};
    const after = now[i]!.details.nodes;
    // A project's configuration is hashed from the project graph, which this process received from
    // Nx's (and which hashes differently here); the files it was built from are the ones compared.
    const moved = [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .filter((k) => before[k] !== after[k] && !/:(ProjectConfiguration|TsConfig)$/.test(k))
      .sort();
    if (moved.length > 0) changed.set(task.id, moved);
  });
  return changed;
}

/**
 * Fails the successful tasks whose inputs changed while they ran (see `changedInputs`): Nx stores
 * nothing for a failed task, so the cache never maps an input to another input's bundle.
 */
export async function refuseChangedInputs<R extends { success: boolean; terminalOutput: string }>(
  context: ExecutorContext,
  taskGraph: TaskGraph,
  results: Record<string, R>,
  logError: (line: string) => void = console.error,
): Promise<Record<string, R>> {
  const succeeded = Object.keys(results).filter((id) => results[id]!.success);
  const changed = await changedInputs(context, taskGraph, succeeded);
  for (const [id, inputs] of changed) {
    const message =
      `${id}: its inputs changed while it ran (${inputs.slice(0, 5).join(', ')}${inputs.length > 5 ? `, ${inputs.length - 5} more` : ''}); ` +
      'what it wrote may mix old and new inputs, so it is not stored in the cache. Run it again.';
    logError(message);
    results[id] = { ...results[id]!, success: false, terminalOutput: `${results[id]!.terminalOutput}\n${message}` };
  }
  return results;
}
