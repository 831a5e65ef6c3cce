import type { z } from 'zod';
import type { KindFeature, PackageKind } from './kind';
import { clusterKind } from './cluster';
import { frontendKind } from './frontend';
import { storeKind } from './store';
import { webServiceKind } from './web-service';
import { migrationsFeature } from './migrations';
import { deliveryFeature } from './delivery';
import { observabilityFeature } from './observability';

/** Every kind of package, by the `kind` its definitions declare. */
const BASE_KINDS = [webServiceKind, frontendKind, storeKind, clusterKind] as PackageKind<never, never>[];

/** What definitions of some kinds may declare beside the kind's own fields. */
export const FEATURES = [migrationsFeature, deliveryFeature, observabilityFeature] as const;

/** The fields the features add, for the `defineX` functions' types (each kind's schema refuses the ones it does not take). */
export type FeatureFields = { [F in (typeof FEATURES)[number] as F['field']]?: z.input<F['schema']> };

/** A kind with the features that apply to it: their fields in its schema, their objects after its own. */
function withFeatures(kind: PackageKind, features: readonly KindFeature[]): PackageKind {
  if (features.length === 0) return kind;
  const schema = (kind.schema as unknown as z.ZodObject).safeExtend(
    Object.fromEntries(features.map((f) => [f.field, (f.schema as z.ZodType).optional()])),
  );
  const composed: PackageKind = {
    ...kind,
    schema: schema as unknown as PackageKind['schema'],
    features,
    build(chart, ctx) {
      kind.build(chart, ctx);
      for (const { feature, value } of featuresOf(composed, ctx.spec)) feature.build(chart, { ...ctx, value });
    },
  };
  return composed;
}

/**
 * The registry: every kind, with its features. A new kind or feature is one module and one line
 * above; nothing outside the registry branches on a kind's name.
 */
export const KINDS: ReadonlyMap<string, PackageKind> = new Map(
  BASE_KINDS.map((k) => [
    k.name,
    withFeatures(
      k as PackageKind,
      (FEATURES as unknown as readonly KindFeature[]).filter((f) => f.kinds.includes(k.name)),
    ),
  ]),
);

/** The features a package declares, with their values. */
export function featuresOf(kind: PackageKind, spec: unknown): { feature: KindFeature; value: unknown }[] {
  return (kind.features ?? []).flatMap((feature) => {
    const value = (spec as Record<string, unknown>)[feature.field];
    return value === undefined && !feature.implicit ? [] : [{ feature, value }];
  });
}

/** The kind of a loaded definition (the loader refuses unknown kinds, so it exists). */
export function kindOf(definition: { readonly kind: string }): PackageKind {
  const kind = KINDS.get(definition.kind);
  if (!kind) throw new Error(`unknown kind "${definition.kind}" (known: ${[...KINDS.keys()].join(', ')})`);
  return kind;
}
