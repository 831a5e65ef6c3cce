import type { Chart } from 'cdk8s';
import type { z } from 'zod';
import type { BuildContext, NetworkBuilder, ResolveContext, ResolvedEnvironment } from './kind';

/**
 * Something a definition of some kinds may declare beside the kind's own fields (database migrations
 * of a web service): its fields, its place on the network and the objects it adds. The registry adds
 * its fields to those kinds' schemas and runs it after the kind, for packages that declare it; a new
 * feature is one module and one line in the registry.
 */
export interface KindFeature<Value = unknown> {
  /** The field a definition declares it with. */
  readonly field: string;
  /** The kinds whose definitions may declare it. */
  readonly kinds: readonly string[];
  /** Validates and normalizes the field. */
  readonly schema: z.ZodType<Value, unknown>;
  /** Nodes and edges of its own (its pods and what they reach), once the environment's packages are resolved. @default - none */
  network?(ctx: FeatureContext<Value>, model: Pick<ResolvedEnvironment, 'packages'>, net: NetworkBuilder): void;
  /** Adds its objects to the package's chart, after the kind's own. */
  build(chart: Chart, ctx: BuildContext & { readonly value: Value }): void;
}

export interface FeatureContext<Value> extends ResolveContext {
  readonly value: Value;
}
