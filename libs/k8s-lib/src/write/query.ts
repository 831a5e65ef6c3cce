import type { KubeObject } from '../check/validate';
import { CONFIG_NAME_ANNOTATION } from '../labels';

/**
 * Finds exactly one object by kind and name (and namespace, where one name is in several: the slots
 * of a blue-green environment), or throws listing what there is. For tests and tools.
 */
export function findObject<T = Record<string, any>>( // eslint-disable-line @typescript-eslint/no-explicit-any -- callers (tests) read deep fields of arbitrary kinds
  objects: readonly KubeObject[],
  kind: string,
  name: string,
  namespace?: string,
): KubeObject & T {
  return exactlyOne<T>(
    objects,
    kind,
    namespace,
    (o) => o.metadata.name === name,
    (found) => {
      const where = namespace === undefined ? '' : ` in ${namespace}`;
      return `expected one ${kind}/${name}${where}, found ${found} among: ${objects.map((o) => `${o.kind}/${o.metadata.name}${o.metadata.namespace ? ` (${o.metadata.namespace})` : ''}`).join(', ')}`;
    },
  );
}

/**
 * Finds exactly one config object (a ConfigMap, an ExternalSecret) by the name it has without its
 * content hash (`CONFIG_NAME_ANNOTATION`), or throws listing what there is. For tests and tools.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- callers (tests) read deep fields of arbitrary kinds
export function findConfig<T = Record<string, any>>(
  objects: readonly KubeObject[],
  kind: string,
  name: string,
  namespace?: string,
): KubeObject & T {
  return exactlyOne<T>(
    objects,
    kind,
    namespace,
    (o) => configNameOf(o) === name,
    (found) =>
      `expected one ${kind} named ${name}-<hash>, found ${found} among: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
  );
}

/** The one object of `kind` (in `namespace`, when given) that `matches`, or an error saying how many were found. */
function exactlyOne<T>(
  objects: readonly KubeObject[],
  kind: string,
  namespace: string | undefined,
  matches: (o: KubeObject) => boolean,
  message: (found: number) => string,
): KubeObject & T {
  const hits = objects.filter((o) => o.kind === kind && matches(o) && (namespace === undefined || o.metadata.namespace === namespace));
  if (hits.length !== 1) throw new Error(message(hits.length));
  return hits[0] as KubeObject & T;
}

/** The name a config object has without its content hash, or undefined for any other object. */
export function configNameOf(o: KubeObject): string | undefined {
  return (o.metadata.annotations as Readonly<Record<string, string>> | undefined)?.[CONFIG_NAME_ANNOTATION];
}
