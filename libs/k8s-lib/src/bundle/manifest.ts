import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleFiles } from './writer';

/** Provenance of one package's bundle, written beside its objects. */
export interface PackageProvenance {
  readonly version: string;
  /** sha256 of the package's object files, in name order. */
  readonly contentHash: string;
  /** Git commit the bundle was built from. */
  readonly commit: string;
  readonly k8sLib: string;
}

/** File in each package folder that holds its provenance (not a kustomize resource). */
export const PROVENANCE_FILE = 'provenance.json';
/** The environment's bundle manifest: every package's provenance, beside the index. */
export const BUNDLE_MANIFEST = 'bundle.json';

export function contentHash(files: BundleFiles): string {
  const hash = createHash('sha256');
  for (const name of [...files.keys()].sort()) {
    if (name === PROVENANCE_FILE) continue;
    hash.update(`${name}\0${files.get(name)}\0`);
  }
  return `sha256:${hash.digest('hex')}`;
}

export function renderProvenance(p: PackageProvenance): string {
  return `${JSON.stringify({ version: p.version, contentHash: p.contentHash, commit: p.commit, k8sLib: p.k8sLib }, null, 2)}\n`;
}

/**
 * The bundle manifest of an environment folder, from the provenance of every package folder in it:
 * a partial deploy changes only its packages' entries, and a full build of the same commit gives the
 * same file.
 */
export function renderBundleManifest(envDir: string, envName: string): string {
  const packages: Record<string, PackageProvenance> = {};
  const dirs = existsSync(envDir)
    ? readdirSync(envDir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    : [];
  for (const d of dirs.map((x) => x.name).sort()) {
    const file = join(envDir, d, PROVENANCE_FILE);
    if (existsSync(file)) packages[d] = JSON.parse(readFileSync(file, 'utf8')) as PackageProvenance;
  }
  return `${JSON.stringify({ environment: envName, packages }, null, 2)}\n`;
}

/** The provenance of a package folder, or undefined when it has none (or an unreadable one). */
export function readProvenance(packageDir: string): PackageProvenance | undefined {
  try {
    return JSON.parse(readFileSync(join(packageDir, PROVENANCE_FILE), 'utf8')) as PackageProvenance;
  } catch {
    return undefined;
  }
}
