import type { ClusterPackageSpec } from './cluster-package';
import type { FrontendSpec, WebServiceSpec } from './definition';
import type { Environment } from './environment';
import type { StoreSpec } from './store';

// What the loader (load/workspace.ts) produces: every environment and every package definition,
// parsed by its kind's schema. The stages after it read these types only.

/** A package's definition, parsed by its kind's schema. */
export type LoadedDefinition =
  | { readonly kind: 'web-service'; readonly spec: WebServiceSpec }
  | { readonly kind: 'frontend'; readonly spec: FrontendSpec }
  | { readonly kind: 'store'; readonly spec: StoreSpec }
  | { readonly kind: 'cluster'; readonly spec: ClusterPackageSpec };

export interface LoadedPackage {
  readonly name: string;
  /** Folder relative to the workspace root, for example services/catalog. */
  readonly dir: string;
  /** The definition file relative to the workspace root: every error names it. */
  readonly file: string;
  readonly version: string;
  readonly definition: LoadedDefinition;
}

export interface Workspace {
  readonly root: string;
  readonly environments: ReadonlyMap<string, Environment>;
  readonly packages: ReadonlyMap<string, LoadedPackage>;
}
