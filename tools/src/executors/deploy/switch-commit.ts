import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';

/** What the environment file's change since the base says about a deploy of a slotted environment. */
export type SwitchCommit =
  /** Only `slots.live` changed: a switch; the slotted packages are left as the target has them. */
  | { readonly kind: 'switch'; readonly from: string; readonly to: string }
  /** Anything else changed, or nothing did: a deploy as usual. */
  | { readonly kind: 'deploy' }
  /** No base to compare with (or the base has no such file): a deploy as usual, said in the output. */
  | { readonly kind: 'unknown'; readonly reason: string };

type Doc = Record<string, unknown> & { slots?: Record<string, unknown> };

/** The parsed environment without `slots.live`, and `slots.live`. */
function withoutLive(text: string): { rest: unknown; live: unknown } {
  const doc = (parse(text) ?? {}) as Doc;
  if (!doc.slots || typeof doc.slots !== 'object') return { rest: doc, live: undefined };
  const { live, ...slots } = doc.slots;
  return { rest: { ...doc, slots }, live };
}

/**
 * Compares `environments/<env>.yaml` of the base commit with the working tree's, parsed, with
 * `slots.live` removed from both: equal, with a different `slots.live`, is a switch commit
 * (docs/blue-green.md#switch). A change of the file makes every package affected, and a deploy of
 * the slotted packages would publish the current build into the idle slot, which after a switch is
 * the slot just left live: the one a switch back returns to.
 */
export function switchCommit(root: string, envName: string, base: string | undefined): SwitchCommit {
  const file = `environments/${envName}.yaml`;
  if (!base) return { kind: 'unknown', reason: 'no base commit is known (--base or NX_BASE)' };
  let before: string;
  try {
    before = execFileSync('git', ['show', `${base}:${file}`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? '')
      .trim()
      .split('\n')[0];
    return { kind: 'unknown', reason: `${file} of the base ${base} cannot be read${stderr ? ` (${stderr})` : ''}` };
  }
  const a = withoutLive(before);
  const b = withoutLive(readFileSync(join(root, file), 'utf8'));
  if (a.live !== b.live && typeof a.live === 'string' && typeof b.live === 'string' && isDeepStrictEqual(a.rest, b.rest)) {
    return { kind: 'switch', from: a.live, to: b.live };
  }
  return { kind: 'deploy' };
}
