import type { PackageProvenance } from '@b2connect/k8s-lib/pipeline';

export interface BundleManifest {
  readonly environment: string;
  readonly packages: Readonly<Record<string, PackageProvenance>>;
}

/** A package of the commit and its place in the deployment order (see k8s-lib's `syncWaves`). */
export interface PackageWave {
  readonly name: string;
  /** 0 namespaces, 1 cluster-level infra, 2 data stores, 3 services and frontends, 4+ what depends on services (ingress). */
  readonly wave: number;
}

export interface PublishRequest {
  readonly envName: string;
  /** The environment bundle folder this run wrote, for example dist/environments/prod. */
  readonly bundleDir: string;
  /**
   * Packages this deploy built: their folders in `bundleDir` were written by this run. Any other folder
   * in `bundleDir` is not this run's and is never published from there.
   */
  readonly packages: readonly string[];
  /** Every package of the commit, in deployment order (wave, then name). A target's package not in it is pruned. */
  readonly workspace: readonly PackageWave[];
  /** Provenance of the packages this deploy built (as their kustomization.yaml records it). */
  readonly manifest: BundleManifest;
  readonly dryRun: boolean;
  /** Whether this run also wrote the environment's own files (network.md). @default false */
  readonly index?: boolean;
  /**
   * Blue-green: the live slot's namespace and the slotted (stateless) packages. A driver replaces such a
   * package's objects of the other slots and keeps those of the live slot as the target has them, so a
   * deploy reaches the idle slot only; a package the target does not have yet is published whole.
   * @default - no slots: every object is published
   */
  readonly slots?: { readonly liveNamespace: string; readonly packages: readonly string[] };
  /** Progress lines, printed as they happen. @default - nothing */
  readonly log?: (line: string) => void;
}

export interface PublishResult {
  readonly changed: boolean;
  readonly summary: string;
  /** Packages removed from the target because they are no longer packages of the commit. @default [] */
  readonly pruned?: readonly string[];
}
