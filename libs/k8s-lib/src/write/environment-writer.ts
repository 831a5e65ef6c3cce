import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeInside, type BundleFiles } from './writer';

/**
 * Writes environment bundles all-or-nothing per environment. Each environment is staged complete
 * beside its folder (`.<env>.new-<tag>`: the packages this run writes, the packages it keeps copied
 * from the current folder, the environment's own files computed over the staged folder), marked
 * ready by a rename (`.<env>.ready-<tag>`), then swapped in by two renames. A kill at any point
 * leaves the previous environment or the new one, never a mix: between the two renames the folder is
 * briefly absent, and the next run puts the ready one in place. Leftovers of killed runs are removed
 * by the next run. Writers of one output folder take turns (a lock folder), so a partial build never
 * copies a folder another run is replacing.
 */

export interface EnvironmentWrite {
  /** The environment's folder, for example dist/environments/prod. */
  readonly dir: string;
  /** Package folders this run writes: folder name -> files. */
  readonly packages: ReadonlyMap<string, BundleFiles>;
  /** Whether a folder of the current environment that this run does not write is kept; the others are pruned. */
  readonly keep: (folder: string) => boolean;
  /**
   * The environment's own files (bundle.json, the index), computed over the staged folder; any other
   * top-level file of the current environment is carried over.
   */
  readonly files: (stagedDir: string) => BundleFiles;
}

/** A write that failed part of the way: which environments were written and which were left as they were. */
export class BundleWriteError extends Error {
  constructor(
    message: string,
    public readonly written: readonly string[],
    public readonly notWritten: readonly string[],
  ) {
    super(message);
    this.name = 'BundleWriteError';
  }
}

const STAGES = ['new', 'ready', 'old'] as const;
const LEFTOVER = /^\.(.+)\.(new|ready|old)-(\d+)-(\d+)-[0-9a-z]+$/;
const LOCK = '.write.lock';
const LOCK_WAIT_MS = 120_000;

/**
 * Writes every environment of `writes` (see the module comment), then removes the environment folders
 * `keepEnvironment` refuses. Returns the package folders pruned per environment (an environment
 * removed whole is listed with no folders).
 */
export function writeEnvironments(
  outDir: string,
  writes: readonly EnvironmentWrite[],
  keepEnvironment: (env: string) => boolean = () => true,
): Map<string, string[]> {
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (e) {
    throw new BundleWriteError(
      `cannot create ${outDir}: ${describe(e, outDir)}; nothing was written`,
      [],
      writes.map((w) => name(w.dir)),
    );
  }
  const release = lock(outDir);
  try {
    cleanLeftovers(outDir);
    const tag = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const staged: { write: EnvironmentWrite; ready: string }[] = [];
    const pruned = new Map<string, string[]>();
    try {
      for (const write of writes) {
        const env = name(write.dir);
        const stage = join(outDir, `.${env}.new-${tag}`);
        pruned.set(env, stageEnvironment(write, stage));
        const ready = join(outDir, `.${env}.ready-${tag}`);
        renameSync(stage, ready);
        staged.push({ write, ready });
      }
    } catch (e) {
      for (const env of writes.map((w) => name(w.dir)))
        for (const s of STAGES) rmSync(join(outDir, `.${env}.${s}-${tag}`), { recursive: true, force: true });
      throw new BundleWriteError(
        `cannot write ${outDir}: ${describe(e)}; nothing was written, every previous bundle is intact`,
        [],
        writes.map((w) => name(w.dir)),
      );
    }
    const written: string[] = [];
    for (const [i, { write, ready }] of staged.entries()) {
      const env = name(write.dir);
      const old = join(outDir, `.${env}.old-${tag}`);
      try {
        if (existsSync(write.dir)) renameSync(write.dir, old);
        renameSync(ready, write.dir);
      } catch (e) {
        // Put the previous environment back if it was moved aside; drop what was not swapped in.
        if (!existsSync(write.dir) && existsSync(old)) renameSync(old, write.dir);
        const rest = staged.slice(i).map((s) => name(s.write.dir));
        for (const s of staged.slice(i)) rmSync(s.ready, { recursive: true, force: true });
        throw new BundleWriteError(
          `cannot replace ${write.dir}: ${describe(e, write.dir)}. Written: ${written.join(', ') || 'nothing'}; ` +
            `not written (previous bundle intact): ${rest.join(', ')}`,
          written,
          rest,
        );
      }
      rmSync(old, { recursive: true, force: true });
      written.push(env);
    }
    for (const entry of readdirSync(outDir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || keepEnvironment(entry.name)) continue;
      // Only what a build wrote (an environment has its bundle.json): any other folder is not ours.
      if (!existsSync(join(outDir, entry.name, 'bundle.json'))) continue;
      removeInside(outDir, entry.name);
      pruned.set(entry.name, []);
    }
    return pruned;
  } finally {
    release();
  }
}

/** Builds the complete new environment in `stage`; returns the folders of the current one it pruned. */
function stageEnvironment(write: EnvironmentWrite, stage: string): string[] {
  mkdirSync(stage);
  const pruned: string[] = [];
  if (existsSync(write.dir)) {
    for (const entry of readdirSync(write.dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) {
        if (write.packages.has(entry.name)) continue;
        if (!write.keep(entry.name)) {
          pruned.push(entry.name);
          continue;
        }
      }
      cpSync(join(write.dir, entry.name), join(stage, entry.name), { recursive: true });
    }
  }
  for (const [pkg, files] of write.packages) {
    mkdirSync(join(stage, pkg));
    for (const [file, content] of files) writeFileSync(join(stage, pkg, file), content);
  }
  for (const [file, content] of write.files(stage)) writeFileSync(join(stage, file), content);
  return pruned.sort();
}

/**
 * Removes what killed runs left in `outDir`: staging folders of environments, and the package-level
 * staging folders older versions wrote inside them. A ready environment whose folder is missing (a
 * kill between the two renames of a swap) is put in place first; failing that, the folder moved aside.
 */
export function cleanLeftovers(outDir: string): void {
  if (!existsSync(outDir)) return;
  const dead = readdirSync(outDir).flatMap((entry) => {
    const m = LEFTOVER.exec(entry);
    return m && !alive(Number(m[3])) ? [{ entry, env: m[1]!, stage: m[2]!, time: Number(m[4]) }] : [];
  });
  const newest = (xs: typeof dead) => xs.sort((a, b) => b.time - a.time)[0];
  // A kill between the two renames of a swap leaves the environment folder missing: the ready
  // environment goes in place, or else the one that was moved aside.
  for (const env of new Set(dead.map((d) => d.env))) {
    if (existsSync(join(outDir, env))) continue;
    const ofEnv = dead.filter((d) => d.env === env);
    const pick = newest(ofEnv.filter((d) => d.stage === 'ready')) ?? newest(ofEnv.filter((d) => d.stage === 'old'));
    if (pick) renameSync(join(outDir, pick.entry), join(outDir, env));
  }
  for (const { entry } of dead) rmSync(join(outDir, entry), { recursive: true, force: true });
  // A takeover of a dead writer's lock whose taker was killed too, a lock moved aside by a writer killed
  // before it deleted it (this run holds the lock now).
  for (const entry of readdirSync(outDir))
    if (entry.startsWith(`${LOCK}.takeover-`) || entry.startsWith(`${LOCK}.gone-`))
      rmSync(join(outDir, entry), { recursive: true, force: true });
  for (const env of readdirSync(outDir, { withFileTypes: true })) {
    if (!env.isDirectory() || env.name.startsWith('.')) continue;
    for (const inner of readdirSync(join(outDir, env.name))) {
      const m = /^\..+\.(new|old)-(\d+)-\d+$/.exec(inner);
      if (m && !alive(Number(m[2]))) rmSync(join(outDir, env.name, inner), { recursive: true, force: true });
    }
  }
}

/**
 * Takes the output folder's write lock; returns its release. The lock is a folder holding the
 * holder's pid, made complete beside its place and renamed into it in one step, so that nobody ever
 * sees a lock without its pid. A lock whose holder is gone (or is this very pid, reused) is taken
 * over by renaming it aside first: of two waiters that both find it dead, one rename succeeds.
 */
function lock(outDir: string): () => void {
  const dir = join(outDir, LOCK);
  const started = Date.now();
  const tag = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  for (;;) {
    const mine = join(outDir, `${LOCK}.new-${tag}`);
    try {
      mkdirSync(mine);
      writeFileSync(join(mine, 'pid'), String(process.pid));
      renameSync(mine, dir);
      return () => {
        // Only our own lock: never one another run took over after a long pause of ours. Moved
        // aside whole first: emptied in place, a waiter's fresh lock could be renamed into it.
        if (lockHolder(dir) === process.pid) removeLock(dir, tag);
      };
    } catch (e) {
      rmSync(mine, { recursive: true, force: true });
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') {
        throw new BundleWriteError(`cannot lock ${outDir}: ${describe(e, join(outDir, LOCK))}; nothing was written`, [], []);
      }
    }
    const holder = lockHolder(dir);
    // Released meanwhile: try again (taking over a lock that is not there could remove a fresh one).
    if (holder === undefined && !existsSync(dir)) continue;
    if (holder === undefined || holder === process.pid || !alive(holder)) {
      takeOver(dir, holder);
      continue;
    }
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw new BundleWriteError(`another build (process ${holder}) has been writing ${outDir} for 2 minutes; nothing was written`, [], []);
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

/**
 * Removes the lock of a holder that is gone, unless another waiter does: the waiters that found the
 * same dead holder race for one folder named after it, and the winner removes the lock only if it is
 * still that holder's (not a fresh lock someone took meanwhile). A takeover folder left by a killed
 * waiter is given up after five seconds.
 */
function takeOver(dir: string, holder: number | undefined): void {
  const takeover = `${dir}.takeover-${holder ?? 'none'}`;
  try {
    mkdirSync(takeover);
  } catch {
    try {
      if (Date.now() - statSync(takeover).mtimeMs > 5_000) rmSync(takeover, { recursive: true, force: true });
    } catch {
      // Gone meanwhile.
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    return;
  }
  try {
    if (lockHolder(dir) === holder) removeLock(dir, `${process.pid}-${Date.now()}`);
  } finally {
    rmSync(takeover, { recursive: true, force: true });
  }
}

/**
 * Removes a lock folder by renaming it aside first (one step: no one sees it half-removed, and no
 * waiter's lock can be renamed into its emptied place), then deleting the aside. Gone already: done.
 */
function removeLock(dir: string, tag: string): void {
  const aside = `${dir}.gone-${tag}`;
  try {
    renameSync(dir, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  rmSync(aside, { recursive: true, force: true });
}

/** The pid holding the lock, or undefined when there is none that can be read. */
function lockHolder(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An fs error in the reader's words: the path (unless it is `subject`, already named), what the code means, the code. */
export function describe(e: unknown, subject?: string): string {
  const err = e as NodeJS.ErrnoException;
  const meaning: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted (an immutable or protected file?)',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    ENOTDIR: 'a path component is a file, not a folder',
    EEXIST: 'already exists',
    ENOENT: 'no such file or folder',
    EBUSY: 'busy (in use by another process)',
  };
  const where = err.path && err.path !== subject ? `${err.path}: ` : '';
  return err.code && meaning[err.code] ? `${where}${meaning[err.code]} (${err.code})` : err.message;
}

function name(dir: string): string {
  return dir.split(/[\\/]/).filter(Boolean).pop()!;
}
