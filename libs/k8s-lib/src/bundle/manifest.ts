import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { KUSTOMIZATION } from './writer';

/** Provenance of one package's bundle, kept as annotations of its kustomization.yaml. */
export interface PackageProvenance {
  readonly version: string;
  /** sha256 of the package's manifests. */
  readonly contentHash: string;
  /** Git commit the bundle was built from. */
  readonly commit: string;
  readonly k8sLib: string;
}

/** The environment's bundle manifest: every package's provenance, beside the index. */
export const BUNDLE_MANIFEST = 'bundle.json';

const ANNOTATIONS = {
  version: 'b2connect.io/version',
  contentHash: 'b2connect.io/content-hash',
  commit: 'b2connect.io/commit',
  k8sLib: 'b2connect.io/k8s-lib-version',
} as const;

export function contentHash(manifests: string): string {
  return `sha256:${createHash('sha256').update(manifests).digest('hex')}`;
}

export function provenanceAnnotations(p: PackageProvenance): Record<string, string> {
  return {
    [ANNOTATIONS.commit]: p.commit,
    [ANNOTATIONS.contentHash]: p.contentHash,
    [ANNOTATIONS.k8sLib]: p.k8sLib,
    [ANNOTATIONS.version]: p.version,
  };
}

/** The provenance of a package folder, or undefined when it has none (or an unreadable one). */
export function readProvenance(packageDir: string): PackageProvenance | undefined {
  try {
    const k = load(readFileSync(join(packageDir, KUSTOMIZATION), 'utf8')) as { metadata?: { annotations?: Record<string, string> } };
    const a = k.metadata?.annotations ?? {};
    const p = {
      version: a[ANNOTATIONS.version],
      contentHash: a[ANNOTATIONS.contentHash],
      commit: a[ANNOTATIONS.commit],
      k8sLib: a[ANNOTATIONS.k8sLib],
    };
    return Object.values(p).every((v) => typeof v === 'string') ? (p as PackageProvenance) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The bundle manifest of an environment folder, from the provenance of every package folder in it:
 * a partial deploy changes only its packages' entries, and a full build of the same commit gives the
 * same file. `written` holds the provenance of the folders this run has just written (exactly what
 * their kustomization.yaml says), which need not be read back.
 */
export function renderBundleManifest(envDir: string, envName: string, written: ReadonlyMap<string, PackageProvenance> = new Map()): string {
  const packages: Record<string, PackageProvenance> = {};
  const dirs = existsSync(envDir)
    ? readdirSync(envDir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    : [];
  for (const d of dirs.map((x) => x.name).sort()) {
    const p = written.get(d) ?? readProvenance(join(envDir, d));
    if (p) packages[d] = { version: p.version, contentHash: p.contentHash, commit: p.commit, k8sLib: p.k8sLib };
  }
  return `${JSON.stringify({ environment: envName, packages }, null, 2)}\n`;
}
