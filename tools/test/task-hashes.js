// Prints the Nx hash of every cached task (synth, build, test) of the workspace in the current
// directory, as JSON { "<project>:<target>": "<hash>" }. Used by the plugin's cache-input test:
// the same hasher `nx run` uses, on a throwaway copy of the workspace.
const { createProjectGraphAsync } = require('nx/src/devkit-exports');
const { readNxJson } = require('nx/src/config/nx-json');
const { createTaskHasher } = require('nx/src/hasher/create-task-hasher');
const { createTaskGraph } = require('nx/src/tasks-runner/create-task-graph');

async function main() {
  const graph = await createProjectGraphAsync({ exitOnError: true });
  const hasher = createTaskHasher(graph, readNxJson());
  const hashes = {};
  for (const target of ['synth', 'build', 'test']) {
    const projects = Object.values(graph.nodes)
      .filter((node) => node.data.targets?.[target]?.cache)
      .map((node) => node.name);
    const taskGraph = createTaskGraph(graph, {}, projects, [target], undefined, {});
    const tasks = Object.values(taskGraph.tasks);
    const values = await hasher.hashTasks(tasks, taskGraph, process.env);
    tasks.forEach((task, i) => (hashes[task.id] = values[i].value));
  }
  process.stdout.write(`${JSON.stringify(hashes)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e.stack ?? String(e));
    process.exit(1);
  },
);
