import type { KubeObject } from '../check/validate';

/** Finds exactly one object by kind and name, or throws listing what there is. For tests and tools. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- callers (tests) read deep fields of arbitrary kinds
export function findObject<T = Record<string, any>>(objects: readonly KubeObject[], kind: string, name: string): KubeObject & T {
  const hits = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (hits.length !== 1) {
    throw new Error(
      `expected one ${kind}/${name}, found ${hits.length} among: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  }
  return hits[0] as KubeObject & T;
}
