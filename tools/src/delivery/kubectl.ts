import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadAll } from 'js-yaml';

import { MANAGED_BY } from '@b2connect/k8s-lib';
import type { PublishRequest, PublishResult } from './types';

/** Runs kubectl with arguments; injectable so commands and guards are tested without a cluster. */
export type KubectlRunner = (args: readonly string[]) => Promise<{ stdout: string }>;

export const FIELD_MANAGER = 'b2connect-deploy';
/** Objects carrying this label and missing from the bundle are pruned. */
export const PRUNE_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

export function defaultKubectl(root: string): KubectlRunner {
  const local = join(root, '.tools/bin/kubectl');
  const bin = existsSync(local) ? local : 'kubectl';
  return async (args) => promisify(execFile)(bin, [...args], { maxBuffer: 64 * 1024 * 1024 });
}

/** Kinds never pruned: data outlives the bundle (backup volumes carry the same rule for Argo CD and Flux). */
export const NEVER_PRUNED = ['core/v1/PersistentVolumeClaim', 'core/v1/Namespace'];

/** group/version/Kind of every object in the bundle (core group as `core`), for --prune-allowlist. */
export function bundleKinds(bundleDir: string): string[] {
  const kinds = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.yaml') && e.name !== 'kustomization.yaml') {
        for (const o of loadAll(readFileSync(path, 'utf8')) as ({ apiVersion?: string; kind?: string } | null)[]) {
          if (o?.apiVersion && o.kind) kinds.add(`${o.apiVersion.includes('/') ? o.apiVersion : `core/${o.apiVersion}`}/${o.kind}`);
        }
      }
    }
  };
  walk(bundleDir);
  return [...kinds].sort();
}

/** The apply: server-side, our field manager, pruning by label within the bundle's kinds. */
export function applyArgs(bundleDir: string, context: string, kinds: readonly string[], dryRun: boolean): string[] {
  return [
    'apply',
    `--context=${context}`,
    '--server-side',
    `--field-manager=${FIELD_MANAGER}`,
    '--force-conflicts',
    '-k',
    bundleDir,
    '--prune',
    '-l',
    PRUNE_SELECTOR,
    ...kinds.filter((k) => !NEVER_PRUNED.includes(k)).map((k) => `--prune-allowlist=${k}`),

    ...(dryRun ? ['--dry-run=server'] : []),
  ];
}

/**
 * Applies the environment bundle with kubectl, after checking that the current kube context is the one
 * the environment declares: a deploy meant for dev never lands in prod because of a stale context.
 */
export async function publishKubectl(req: PublishRequest, expectedContext: string, run: KubectlRunner): Promise<PublishResult> {
  let current: string;
  try {
    current = (await run(['config', 'current-context'])).stdout.trim();
  } catch (e) {
    const reason = ((e as { stderr?: string }).stderr ?? (e as Error).message).trim().split('\n').pop();
    throw new Error(
      `refusing to apply ${req.envName}: there is no current kube context (${reason}); environment ${req.envName} declares "${expectedContext}"`,
    );
  }

  if (current !== expectedContext) {
    throw new Error(
      `refusing to apply ${req.envName}: the current kube context is "${current}" but environment ${req.envName} declares "${expectedContext}". ` +
        `Switch with: kubectl config use-context ${expectedContext}`,
    );
  }
  const { stdout } = await run(applyArgs(req.bundleDir, expectedContext, bundleKinds(req.bundleDir), req.dryRun));
  const lines = stdout.trim().split('\n').filter(Boolean);
  return {
    changed: lines.some((l) => !l.endsWith('unchanged')),
    summary: `kubectl${req.dryRun ? ' (dry run, server)' : ''}: ${lines.length} object(s) applied to ${expectedContext}`,
  };
}
