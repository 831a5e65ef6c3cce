import type { PackageKind } from './kind';
import { clusterKind } from './cluster';
import { frontendKind } from './frontend';
import { storeKind } from './store';
import { webServiceKind } from './web-service';

/**
 * Every kind of package, by the `kind` its definitions declare. A new kind is one module and one line
 * here; nothing outside the registry branches on a kind's name.
 */
export const KINDS: ReadonlyMap<string, PackageKind> = new Map(
  ([webServiceKind, frontendKind, storeKind, clusterKind] as PackageKind<never, never>[]).map((k) => [k.name, k as PackageKind]),
);

/** The kind of a loaded definition (the loader refuses unknown kinds, so it exists). */
export function kindOf(definition: { readonly kind: string }): PackageKind {
  const kind = KINDS.get(definition.kind);
  if (!kind) throw new Error(`unknown kind "${definition.kind}" (known: ${[...KINDS.keys()].join(', ')})`);
  return kind;
}
