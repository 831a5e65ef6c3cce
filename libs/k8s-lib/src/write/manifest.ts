import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { KUSTOMIZATION } from './writer';

/**
 * Provenance of one package's bundle, kept as annotations of its kustomization.yaml. A build records
 * what its inputs decide (version, content hash, k8s-lib version); a deploy also records where the
 * sources came from (commit, and the uncommitted changes if the tree was dirty).
 */
export interface PackageProvenance {
  readonly version: string;
  /** sha256 of the package's manifests. */
  readonly contentHash: string;
  readonly k8sLib: string;
  /** Git commit the deployed bundle was built from. @default - not recorded (a build, not a deploy) */
  readonly commit?: string;
  /** sha256 of the uncommitted changes the tree held when it was built. @default - the tree was clean */
  readonly uncommitted?: string;
}

/** The source a deploy builds from: the commit, and a hash of the uncommitted changes when the tree is dirty. */
export interface SourceRevision {
  readonly commit: string;
  readonly uncommitted?: string;
}

/** The environment's bundle manifest: every package's provenance, beside the index. */
export const BUNDLE_MANIFEST = 'bundle.json';

const ANNOTATIONS = {
  version: 'b2connect.io/version',
  contentHash: 'b2connect.io/content-hash',
  commit: 'b2connect.io/commit',
  k8sLib: 'b2connect.io/k8s-lib-version',
  uncommitted: 'b2connect.io/uncommitted-changes',
} as const;

export function contentHash(manifests: string): string {
  return `sha256:${createHash('sha256').update(manifests).digest('hex')}`;
}

export function provenanceAnnotations(p: PackageProvenance): Record<string, string> {
  return {
    ...(p.commit !== undefined ? { [ANNOTATIONS.commit]: p.commit } : {}),
    [ANNOTATIONS.contentHash]: p.contentHash,
    [ANNOTATIONS.k8sLib]: p.k8sLib,
    ...(p.uncommitted !== undefined ? { [ANNOTATIONS.uncommitted]: p.uncommitted } : {}),
    [ANNOTATIONS.version]: p.version,
  };
}

/** Whether two provenances describe the same content (same manifests, version and library): where it came from aside. */
export function sameContent(a: PackageProvenance, b: PackageProvenance): boolean {
  return a.contentHash === b.contentHash && a.version === b.version && a.k8sLib === b.k8sLib;
}

/** The fields of a provenance in their fixed order, without undefined ones (bundle.json entries). */
function manifestEntry(p: PackageProvenance): PackageProvenance {
  return {
    version: p.version,
    contentHash: p.contentHash,
    ...(p.commit !== undefined ? { commit: p.commit } : {}),
    ...(p.uncommitted !== undefined ? { uncommitted: p.uncommitted } : {}),
    k8sLib: p.k8sLib,
  };
}

/** The provenance of a package folder, or undefined when it has none (or an unreadable one). */
export function readProvenance(packageDir: string): PackageProvenance | undefined {
  try {
    const k = load(readFileSync(join(packageDir, KUSTOMIZATION), 'utf8')) as { metadata?: { annotations?: Record<string, string> } };
    const a = k.metadata?.annotations ?? {};
    const [version, contentHash, k8sLib, commit, uncommitted] = [
      a[ANNOTATIONS.version],
      a[ANNOTATIONS.contentHash],
      a[ANNOTATIONS.k8sLib],
      a[ANNOTATIONS.commit],
      a[ANNOTATIONS.uncommitted],
    ];
    if (typeof version !== 'string' || typeof contentHash !== 'string' || typeof k8sLib !== 'string') return undefined;
    return manifestEntry({ version, contentHash, k8sLib, commit, uncommitted });
  } catch {
    return undefined;
  }
}

/** Package folders of an environment folder (not the staging folders of a write), sorted. */
export function packageFolders(envDir: string): string[] {
  if (!existsSync(envDir)) return [];
  return readdirSync(envDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
}

/**
 * The bundle manifest of an environment folder, from the provenance of the package folders in it that
 * are packages of the workspace (`packages`): a partial deploy changes only its packages' entries.
 * `written` holds the provenance of the folders this run has just written (exactly what their
 * kustomization.yaml says), which need not be read back.
 */
export function renderBundleManifest(
  envDir: string,
  envName: string,
  written: ReadonlyMap<string, PackageProvenance> = new Map(),
  packages?: ReadonlySet<string>,
): string {
  const entries: Record<string, PackageProvenance> = {};
  for (const d of packageFolders(envDir)) {
    if (packages && !packages.has(d)) continue;
    const p = written.get(d) ?? readProvenance(join(envDir, d));
    if (p) entries[d] = manifestEntry(p);
  }
  return renderManifestFile(envName, entries);
}

/** bundle.json from its entries (any order; written sorted). */
export function renderManifestFile(envName: string, entries: Readonly<Record<string, PackageProvenance>>): string {
  const packages = Object.fromEntries(
    Object.keys(entries)
      .sort()
      .map((name) => [name, manifestEntry(entries[name]!)]),
  );
  return `${JSON.stringify({ environment: envName, packages }, null, 2)}\n`;
}
