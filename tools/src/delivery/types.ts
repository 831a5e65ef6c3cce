import type { PackageProvenance } from '@b2connect/k8s-lib';

export interface BundleManifest {
  readonly environment: string;
  readonly packages: Readonly<Record<string, PackageProvenance>>;
}

export interface PublishRequest {
  readonly envName: string;
  /** The environment bundle folder, for example dist/environments/prod. */
  readonly bundleDir: string;
  /** Packages this deploy built. */
  readonly packages: readonly string[];
  readonly manifest: BundleManifest;
  readonly dryRun: boolean;
}

export interface PublishResult {
  readonly changed: boolean;
  readonly summary: string;
}
