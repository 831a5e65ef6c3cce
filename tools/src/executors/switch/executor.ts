import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { loadAll } from 'js-yaml';
import { isScalar, parseDocument } from 'yaml';
import {
  BUNDLE_ROOT,
  buildBundles,
  discoverEnvironmentNames,
  formatFinding,
  loadEnvironment,
  MANIFESTS,
  runGate,
  slotNamespace,
  validateObject,
  type KubeObject,
  type ModuleLoader,
} from '@b2connect/k8s-lib/pipeline';
import { checkOptions } from '../options';
import { diffBundles, readBundleTree, renderMarkdown } from '../../diff/diff';
import { compareFileTrees, readFileTree } from '../../diff/compare';

export interface SwitchExecutorOptions {
  readonly environment?: string;
  readonly to: string;
}

export interface SwitchIo {
  log?: (line: string) => void;
  error?: (line: string) => void;
  load?: ModuleLoader;
}

export interface SwitchResult {
  readonly success: boolean;
  /** The environment file was changed (false when the slot was live already or the switch was refused). */
  readonly changed: boolean;
  /** Files of `dist/environments/<env>` the rebuild changed, relative to it. */
  readonly changedFiles: readonly string[];
}

const refused = (error: (line: string) => void, lines: readonly string[]): SwitchResult => {
  for (const line of lines) error(line);
  return { success: false, changed: false, changedFiles: [] };
};

/**
 * Switches the public hosts of a blue-green environment to slot `to` (decision 014):
 *
 * 1. refuses an environment without slots, a slot it does not have, and a slot whose bundle in
 *    `dist/environments/<env>` is missing (a package of the live slot has no objects in it) or does
 *    not pass validation and the policy gate, changing nothing;
 * 2. changes the one value `slots.live` in `environments/<env>.yaml` through the yaml Document API,
 *    in place: every comment, every other line and byte stays;
 * 3. rebuilds the environment (validation and gate included; a failure restores the file) and prints
 *    the line it changed and the bundle diff. Only the ingress package reads `slots.live`, so only its
 *    bundle changes, and there only the backend Service names of its two Ingresses (the public one
 *    names the new live slot's ExternalName aliases, the preview one the other slot's) and the smoke
 *    test's target: no host and no alias changes, so no host moves between Ingresses and each slot's
 *    requests keep the `service` label its SLOs select. Switching back restores the previous bytes:
 *    it is the rollback.
 */
export async function runSwitch(
  root: string,
  options: SwitchExecutorOptions,
  configuration?: string,
  io: SwitchIo = {},
): Promise<SwitchResult> {
  const log = io.log ?? console.log;
  const error = io.error ?? console.error;
  // Nx sets the environment from the configuration (-c prod); a direct call may give either.
  const given = options.environment === undefined && configuration !== undefined ? { ...options, environment: configuration } : options;
  const { problems, tasks } = checkOptions('switch', [{ id: 'switch', options: given, configuration }], discoverEnvironmentNames(root));
  if (problems.length > 0) return refused(error, problems);
  const { environment: envName, to } = tasks[0]!.options as Required<SwitchExecutorOptions>;
  const file = `environments/${envName}.yaml`;
  const path = join(root, file);
  let env;
  try {
    env = loadEnvironment(path);
  } catch (e) {
    return refused(error, [(e as Error).message]);
  }
  const slots = env.slots;
  if (!slots) return refused(error, [`${file}: slots: ${envName} has no blue-green slots; there is nothing to switch`]);
  if (!slots.names.includes(to)) return refused(error, [`--to: "${to}" is not a slot of ${envName} (slots: ${slots.names.join(', ')})`]);
  if (slots.live === to) {
    log(`${envName}: ${to} is live already; nothing changed`);
    return { success: true, changed: false, changedFiles: [] };
  }

  const bundle = join(root, BUNDLE_ROOT, envName);
  const slotProblems = checkSlotBundle(bundle, envName, slotNamespace(env, slots.live), slotNamespace(env, to), to);
  if (slotProblems.length > 0) return refused(error, [`${envName}: refusing to switch to ${to}:`, ...slotProblems.map((p) => `  ${p}`)]);

  const before = readFileSync(path, 'utf8');
  const doc = parseDocument(before, { keepSourceTokens: true });
  const node = doc.getIn(['slots', 'live'], true);
  if (!isScalar(node) || !node.range) return refused(error, [`${file}: slots.live: not a plain value this command can change`]);
  const [start, end] = node.range;
  const after = `${before.slice(0, start)}${to}${before.slice(end)}`;

  const snapshot = mkdtempSync(join(tmpdir(), 'b2c-switch-'));
  try {
    cpSync(bundle, join(snapshot, 'before', envName), { recursive: true });
    writeFileSync(path, after);
    try {
      await buildBundles(root, { environments: [envName], load: io.load });
    } catch (e) {
      writeFileSync(path, before);
      return refused(error, [`${envName}: the environment does not build with ${to} live; ${file} is unchanged:`, (e as Error).message]);
    }
    cpSync(bundle, join(snapshot, 'after', envName), { recursive: true });
    const changedFiles = compareFileTrees(readFileTree(join(snapshot, 'before')), readFileTree(join(snapshot, 'after'))).differences.map(
      (d) => d.path.slice(envName.length + 1),
    );
    log(`${envName}: ${slots.live} -> ${to}: ${file} changed one line:`);
    log(lineDiff(before, after, file));
    log(renderMarkdown(diffBundles(readBundleTree(join(snapshot, 'before')), readBundleTree(join(snapshot, 'after')))));
    log(`Switch back with: npx nx run environments:switch -c ${envName} --to ${slots.live}`);
    return { success: true, changed: true, changedFiles };
  } finally {
    rmSync(snapshot, { recursive: true, force: true });
  }
}

/**
 * What is wrong with the bundle of slot `to` in the built environment `bundle`: missing (no bundle,
 * or a package whose objects are in the live slot has none in `to`), or objects of `to` that fail
 * validation, or any finding of the policy gate over the environment.
 */
function checkSlotBundle(bundle: string, envName: string, liveNamespace: string, toNamespace: string, to: string): string[] {
  if (!existsSync(bundle)) return [`no bundle at ${BUNDLE_ROOT}/${envName}: build it first (npx nx run environments:build -c ${envName})`];
  const problems: string[] = [];
  const all: KubeObject[] = [];
  for (const pkg of readdirSync(bundle, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    const manifests = join(bundle, pkg, MANIFESTS);
    if (!existsSync(manifests)) continue;
    let objects: KubeObject[];
    try {
      objects = (loadAll(readFileSync(manifests, 'utf8')) as (KubeObject | null)[]).filter((o): o is KubeObject => o !== null);
    } catch (e) {
      problems.push(`${pkg}: ${MANIFESTS} does not parse: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    all.push(...objects);
    const inLive = objects.some((o) => o.metadata.namespace === liveNamespace && o.kind !== 'Ingress');
    const inTarget = objects.filter((o) => o.metadata.namespace === toNamespace);
    if (inLive && !inTarget.some((o) => o.kind !== 'Ingress'))
      problems.push(`${pkg}: has no objects in slot ${to} (${toNamespace}): the slot's bundle is missing`);
    for (const o of inTarget) {
      for (const problem of validateObject(o)) problems.push(`${pkg}: ${o.kind}/${o.metadata.name} in ${toNamespace}: ${problem}`);
    }
  }
  if (all.length === 0)
    return [`no package bundle in ${BUNDLE_ROOT}/${envName}: build it first (npx nx run environments:build -c ${envName})`];
  for (const finding of runGate(all)) problems.push(formatFinding(finding));
  return problems;
}

/** The changed lines of `file` as a unified diff (one hunk per changed line). */
function lineDiff(before: string, after: string, file: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const out = [`--- a/${file}`, `+++ b/${file}`];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) out.push(`@@ -${i + 1} +${i + 1} @@`, `-${a[i] ?? ''}`, `+${b[i] ?? ''}`);
  }
  return out.join('\n');
}

/** `nx run environments:switch -c <env> --to <slot>`. */
export default async function switchExecutor(options: SwitchExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  const result = await runSwitch(context.root, options, context.configurationName);
  return { success: result.success };
}
