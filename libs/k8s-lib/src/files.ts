import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes single files atomically (write beside, then rename). */
export function writeFilesAtomically(dir: string, files: ReadonlyMap<string, string>): void {
  mkdirSync(dir, { recursive: true });
  const tag = `${process.pid}-${Date.now()}`;
  for (const [name, content] of files) {
    const tmp = join(dir, `.${name}.new-${tag}`);
    writeFileSync(tmp, content);
    renameSync(tmp, join(dir, name));
  }
}
