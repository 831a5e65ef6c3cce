import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const register = join(__dirname, '..', 'register.js');
const run = (file: string, env: Record<string, string> = {}) =>
  execFileSync('node', ['-r', register, file], { encoding: 'utf8', env: { ...process.env, ...env } }).trim();

describe('@b2connect/k8s-lib/register', () => {
  it('runs TypeScript in plain Node, and an edited file runs as edited (the cache is keyed by content)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'b2c-register-'));
    const file = join(dir, 'main.ts');
    const source = (n: number) =>
      `interface Answer { readonly value: number }\nconst a: Answer = { value: ${n} };\nconsole.log(a.value satisfies number);\n`;
    writeFileSync(file, source(1));
    expect(run(file)).toBe('1');
    expect(run(file)).toBe('1');
    writeFileSync(file, source(2));
    expect(run(file)).toBe('2');
  });

  it('does not use a cache entry that was cut short, and replaces it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'b2c-register-'));
    const cache = join(dir, 'cache');
    const file = join(dir, 'main.ts');
    writeFileSync(file, `const greeting: string = 'hello';\nconsole.log(greeting);\n`);
    expect(run(file, { B2CONNECT_TS_CACHE: cache })).toBe('hello');
    const [entry] = readdirSync(cache);
    const full = readFileSync(join(cache, entry!), 'utf8');
    // Cut before the statement that prints: used as is, the program would print nothing.
    writeFileSync(join(cache, entry!), full.slice(0, full.indexOf('console.log')));
    expect(run(file, { B2CONNECT_TS_CACHE: cache })).toBe('hello');
    expect(readFileSync(join(cache, entry!), 'utf8')).toBe(full);
  });

  it('keeps the cache bounded: past the bound, the oldest entries go, down to three quarters of it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'b2c-register-'));
    const cache = join(dir, 'cache');
    mkdirSync(cache);
    // Twelve entries written one day apart, the first twelve days ago.
    const old = Array.from({ length: 12 }, (_, i) => `${String(i).padStart(64, '0')}.js`);
    old.forEach((name, i) => {
      writeFileSync(join(cache, name), '// b2connect-ts 0\n');
      const when = new Date(Date.now() - (12 - i) * 86_400_000);
      utimesSync(join(cache, name), when, when);
    });
    const file = join(dir, 'main.ts');
    writeFileSync(file, `const n: number = 42;\nconsole.log(n);\n`);
    expect(run(file, { B2CONNECT_TS_CACHE: cache, B2CONNECT_TS_CACHE_MAX: '10' })).toBe('42');
    const left = readdirSync(cache);
    // 13 entries, bound 10: the 6 oldest go and 7 stay, the one just written among them.
    expect(left).toHaveLength(7);
    expect(left).toEqual(expect.arrayContaining(old.slice(6)));
    expect(left.filter((n) => !old.includes(n))).toHaveLength(1);
    // Under the bound nothing is removed.
    writeFileSync(file, `const n: number = 43;\nconsole.log(n);\n`);
    expect(run(file, { B2CONNECT_TS_CACHE: cache, B2CONNECT_TS_CACHE_MAX: '10' })).toBe('43');
    expect(readdirSync(cache)).toHaveLength(8);
  });

  // On Node 20 the code cache (v8-compile-cache) bypasses Node's source map support; its own switch
  // turns it off for debugging. From Node 22.1 Node's compile cache keeps source maps.
  it('reports errors at the TypeScript line when the code cache is off (DISABLE_V8_COMPILE_CACHE=1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'b2c-register-'));
    const file = join(dir, 'fails.ts');
    // Decorator-free but shape-changing syntax: the emitted JavaScript has other line numbers.
    writeFileSync(
      file,
      `import type { A } from './a';\nenum Color { Red, Green }\nconst t: A | string = Color[1]!;\n\nthrow new Error(String(t));\n`,
    );

    let stack = '';
    try {
      run(file, { DISABLE_V8_COMPILE_CACHE: '1' });
    } catch (e) {
      stack = String((e as { stderr?: string }).stderr);
    }
    expect(stack).toContain(`${file}:5`);
  });
});
