import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// Workspace layout only, with no dependency beyond node: the Nx plugin reads it without loading the library.

/** File that marks a folder as a deployable package and holds its definition. */
export const MARKER_FILE = 'deploy.ts';
/** Folders (below the workspace root) that hold deployable packages. */
export const PACKAGE_ROOTS = ['services', 'infra'] as const;
export const ENVIRONMENTS_DIR = 'environments';

/** Package folders of the workspace, relative to the root, sorted. */
export function discoverPackageDirs(root: string): string[] {
  const dirs: string[] = [];
  for (const top of PACKAGE_ROOTS) {
    const base = join(root, top);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(base, entry.name, MARKER_FILE))) dirs.push(`${top}/${entry.name}`);
    }
  }
  return dirs.sort();
}

/** Environment names, from the files `environments/<name>.yaml`, sorted. */
export function discoverEnvironmentNames(root: string): string[] {
  const dir = join(root, ENVIRONMENTS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && !f.startsWith('.'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}
