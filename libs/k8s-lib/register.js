// Loads the workspace's TypeScript (k8s-lib, the Nx plugin and executors, every package's deploy.ts)
// in plain Node: `node -r @b2connect/k8s-lib/register file.ts`, or `require('./register')` from a JS entry point.
//
// Each file is transpiled by swc (type information is not needed: `tsc` checks types in `npm test`)
// and the result is cached on disk by content hash, so a process only pays for the files that
// changed since the last run. This keeps the fixed cost of every synth or deploy process (the Nx
// batch worker, the Nx process that loads the plugin, the scripts) to loading JavaScript. A cache
// entry is never stale: its key covers the compiler version, the options, the file name and the source.
'use strict';

// V8's compiled code is cached on disk too, for every module (cdk8s-plus-28 alone is megabytes of
// JavaScript): Node's own cache where it has one (22.1 and later), the v8-compile-cache package before.
const { createHash } = require('node:crypto');
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const CACHES = join(__dirname, '..', '..', 'node_modules', '.cache');
const nodeModule = require('node:module');
if (typeof nodeModule.enableCompileCache === 'function') {
  // NODE_COMPILE_CACHE (Node's own variable) moves it, as V8_COMPILE_CACHE_CACHE_DIR does below.
  nodeModule.enableCompileCache(process.env.NODE_COMPILE_CACHE || join(CACHES, 'v8-compile-cache'));
} else {
  // Kept beside the checkout, like the other caches, rather than in the system temp folder; one
  // folder per V8 version and architecture, as the package does by default.
  const dir = join(CACHES, 'v8-compile-cache', `${process.arch}-${process.versions.v8}`);
  process.env.V8_COMPILE_CACHE_CACHE_DIR ??= dir;
  removeStaleLocks(process.env.V8_COMPILE_CACHE_CACHE_DIR);
  require('v8-compile-cache');
}

/**
 * v8-compile-cache skips saving while a lock file exists; a process killed while saving leaves its
 * lock behind for good. A lock older than a minute is such a leftover.
 */
function removeStaleLocks(dir) {
  try {
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.LOCK')) continue;
      const file = join(dir, name);
      if (Date.now() - statSync(file).mtimeMs > 60_000) rmSync(file, { force: true });
    }
  } catch {
    // No cache folder yet.
  }
}

const { addHook } = require('pirates');

/** `B2CONNECT_TS_CACHE` moves the transpile cache (tests). */
const CACHE_DIR = process.env.B2CONNECT_TS_CACHE || join(CACHES, 'b2connect-ts');

/**
 * Every edit of a file adds an entry (the key covers the source), so the cache is bounded: past this
 * many entries (about 8 KB each), the oldest written are removed down to three quarters of it. An entry
 * still in use is written again at its next load. `B2CONNECT_TS_CACHE_MAX` changes the bound (tests).
 */
const MAX_ENTRIES = Number(process.env.B2CONNECT_TS_CACHE_MAX) || 5000;
let pruned = false;

/** Once per process, after writing an entry: removes the oldest entries when there are too many. */
function prune() {
  if (pruned) return;
  pruned = true;
  try {
    const names = readdirSync(CACHE_DIR).filter((n) => n.endsWith('.js'));
    if (names.length <= MAX_ENTRIES) return;
    const byAge = names
      .map((name) => {
        try {
          return { name, mtime: statSync(join(CACHE_DIR, name)).mtimeMs };
        } catch {
          return { name, mtime: 0 };
        }
      })
      .sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name));
    for (const { name } of byAge.slice(0, names.length - Math.floor(MAX_ENTRIES * 0.75))) {
      rmSync(join(CACHE_DIR, name), { force: true });
    }
  } catch {
    // The cache only saves time.
  }
}

/** CommonJS for Node, target ES2022 and esModuleInterop as tsconfig.base.json (which checks with module preserve and bundler resolution, so that package exports resolve as here and in vitest). */
const SWC_OPTIONS = {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true },
  module: { type: 'commonjs', noInterop: false },
  sourceMaps: 'inline',
  swcrc: false,
  configFile: false,
};

let swc;
let keyPrefix;

function compile(source, filename) {
  keyPrefix ??= `${require('@swc/core/package.json').version}\0${JSON.stringify(SWC_OPTIONS)}\0`;
  const key = createHash('sha256').update(keyPrefix).update(filename).update('\0').update(source).digest('hex');
  const cached = join(CACHE_DIR, `${key}.js`);
  try {
    // An entry starts with the length of the code it holds: an entry cut short (a crash before the
    // disk had it all) is not used, and is replaced below.
    const entry = readFileSync(cached, 'utf8');
    const newline = entry.indexOf('\n');
    const length = /^\/\/ b2connect-ts (\d+)$/.exec(entry.slice(0, newline))?.[1];
    if (length !== undefined && entry.length - newline - 1 === Number(length)) return entry.slice(newline + 1);
  } catch {
    // Not cached yet: transpile below.
  }
  swc ??= require('@swc/core');
  const { code } = swc.transformSync(source, { ...SWC_OPTIONS, filename });
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    // Write then rename: a concurrent process never reads half a file.
    const partial = `${cached}.${process.pid}.tmp`;
    writeFileSync(partial, `// b2connect-ts ${code.length}\n${code}`);
    renameSync(partial, cached);
    prune();
  } catch {
    // The cache only saves time (read-only node_modules, full disk): keep going without it.
  }
  return code;
}

if (!globalThis.__b2connectTsRegistered) {
  globalThis.__b2connectTsRegistered = true;
  // Stack traces point at the TypeScript lines through the inline source maps. On Node 20,
  // v8-compile-cache compiles modules itself and Node does not see the maps: run with
  // DISABLE_V8_COMPILE_CACHE=1 when debugging (Node 22.1's own compile cache keeps them).

  process.setSourceMapsEnabled(true);
  addHook(compile, { exts: ['.ts'], ignoreNodeModules: true });
}
