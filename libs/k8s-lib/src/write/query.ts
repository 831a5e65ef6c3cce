import type { KubeObject } from '../check/validate';
import { CONFIG_NAME_ANNOTATION } from '../labels';

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

/**
 * Finds exactly one config object (a ConfigMap, an ExternalSecret) by the name it has without its
 * content hash (`CONFIG_NAME_ANNOTATION`), or throws listing what there is. For tests and tools.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- callers (tests) read deep fields of arbitrary kinds
export function findConfig<T = Record<string, any>>(objects: readonly KubeObject[], kind: string, name: string): KubeObject & T {
  const hits = objects.filter((o) => o.kind === kind && o.metadata.annotations?.[CONFIG_NAME_ANNOTATION] === name);
  if (hits.length !== 1) {
    throw new Error(
      `expected one ${kind} named ${name}-<hash>, found ${hits.length} among: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  }
  return hits[0] as KubeObject & T;
}
