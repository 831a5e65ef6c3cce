import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Every cached task's key covers what it reads: for each kind of input (a package's source, a
 * dependency's definition, k8s-lib, the synthesizer, the environment files, a package added), the
 * hash of every task that depends on it changes, and tasks that do not read it keep their hash. The
 * hashes are Nx's own (tools/test/task-hashes.js), on a throwaway copy of this workspace.
 */
const root = resolve(__dirname, '../..');
let copy: string;
let baseline: Record<string, string>;

function hashes(): Record<string, string> {
  const out = execFileSync('node', [join(copy, 'tools/test/task-hashes.js')], {
    cwd: copy,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_WORKSPACE_DATA_DIRECTORY: join(copy, '.nx/workspace-data') },
  });
  return JSON.parse(out) as Record<string, string>;
}

/** Task ids whose hash `edit` changes (measured just before and after it); the edit is undone afterwards. */
function changedBy(edit: () => () => void): string[] {
  const before = hashes();
  const undo = edit();
  try {
    const now = hashes();
    return Object.keys({ ...before, ...now })
      .filter((id) => before[id] !== now[id])
      .sort();
  } finally {
    undo();
  }
}

/** Appends a line to a file; the returned function restores it. */
function append(file: string, line: string): () => void {
  const path = join(copy, file);
  const before = readFileSync(path, 'utf8');
  appendFileSync(path, line);
  return () => writeFileSync(path, before);
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'b2c-cache-inputs-'));
  for (const entry of [
    'environments',
    'libs',
    'services',
    'infra',
    'tools',
    '.github',
    'nx.json',
    'package.json',
    'package-lock.json',
    '.gitignore',
    'tsconfig.base.json',
  ]) {
    cpSync(join(root, entry), join(copy, entry), { recursive: true, filter: (src) => !src.includes('node_modules') });
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  baseline = hashes();
}, 120_000);

const synthOf = (...pkgs: string[]) => pkgs.map((p) => `${p}:synth`);

describe('cache keys', () => {
  it('are computed for every package synth and test, the environment tasks and the tool tests', () => {
    expect(Object.keys(baseline)).toEqual(
      expect.arrayContaining([
        '@b2connect/catalog:synth',
        '@b2connect/catalog:test',
        '@b2connect/infra-gitops:synth',
        'environments:synth',
        'environments:build',
        '@b2connect/nx-plugin:test',
        '@b2connect/k8s-lib:test',
      ]),
    );
  });

  it("change with a package's source: its own tasks, its dependents, the GitOps objects, the environment tasks", () => {
    const changed = changedBy(() => append('services/catalog/deploy.ts', '// edit\n'));
    expect(changed).toEqual(
      expect.arrayContaining([
        '@b2connect/catalog:synth',
        '@b2connect/catalog:test',
        // api-gateway, orders and search declare catalog in dependsOn.
        ...synthOf('@b2connect/api-gateway', '@b2connect/orders', '@b2connect/search'),
        '@b2connect/infra-gitops:synth',
        'environments:synth',
        'environments:build',
        // The CODEOWNERS and workspace tests read every definition.
        '@b2connect/nx-plugin:test',
      ]),
    );
    // What catalog depends on, and what does not read it, keep their keys.
    expect(changed).not.toContain('@b2connect/postgres:synth');
    expect(changed).not.toContain('@b2connect/identity:synth');
  });

  it("change with a dependency's definition", () => {
    const changed = changedBy(() => append('services/postgres/deploy.ts', '// edit\n'));
    expect(changed).toEqual(expect.arrayContaining(['@b2connect/catalog:synth', '@b2connect/catalog:test', '@b2connect/postgres:synth']));
  });

  it("change with a package's version (its image tag and provenance)", () => {
    const changed = changedBy(() => {
      const file = join(copy, 'services/identity/package.json');
      const before = readFileSync(file, 'utf8');
      writeFileSync(file, before.replace(/"version": "[^"]+"/, '"version": "9.9.9"'));
      return () => writeFileSync(file, before);
    });
    expect(changed).toEqual(expect.arrayContaining(['@b2connect/identity:synth', 'environments:build']));
  });

  it('change with k8s-lib: every synth, the whole-bundle build and every package test', () => {
    const changed = changedBy(() => append('libs/k8s-lib/src/write/writer.ts', '// edit\n'));
    for (const id of Object.keys(baseline).filter((id) => id.endsWith(':synth') || id.endsWith(':build'))) expect(changed).toContain(id);
    expect(changed).toEqual(expect.arrayContaining(['@b2connect/catalog:test', '@b2connect/api-gateway:test']));
  });

  it('change with the synthesizer (the plugin and executors): every synth and the whole-bundle build', () => {
    const changed = changedBy(() => append('tools/src/executors/synth/executor.ts', '// edit\n'));
    for (const id of Object.keys(baseline).filter((id) => id.endsWith(':synth') || id.endsWith(':build'))) expect(changed).toContain(id);
  });

  it('change with an environment file: every synth, the build and every package test', () => {
    const changed = changedBy(() => append('environments/prod.yaml', '# edit\n'));
    for (const id of Object.keys(baseline).filter((id) => id.endsWith(':synth') || id.endsWith(':build'))) expect(changed).toContain(id);
    expect(changed).toEqual(
      expect.arrayContaining(['@b2connect/catalog:test', '@b2connect/api-gateway:test', '@b2connect/nx-plugin:test']),
    );
  });

  it('change when a package is added: the GitOps objects and the environment tasks list it', () => {
    const changed = changedBy(() => {
      const dir = join(copy, 'services/cache-probe-added');
      mkdirSync(dir);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@b2connect/cache-probe-added', version: '1.0.0', private: true }));
      writeFileSync(
        join(dir, 'deploy.ts'),
        readFileSync(join(copy, 'services/identity/deploy.ts'), 'utf8').replaceAll('identity', 'cache-probe-added'),
      );
      return () => rmSync(dir, { recursive: true });
    });
    expect(changed).toEqual(
      expect.arrayContaining(['@b2connect/infra-gitops:synth', 'environments:synth', 'environments:build', '@b2connect/nx-plugin:test']),
    );
  });

  it('change with CODEOWNERS for the test that checks it', () => {
    expect(changedBy(() => append('.github/CODEOWNERS', '# edit\n'))).toContain('@b2connect/nx-plugin:test');
  });

  it("do not change the synth keys with an edit of the tools' tests", () => {
    const changed = changedBy(() => append('tools/src/plugin.spec.ts', '// edit\n'));
    expect(changed).toContain('@b2connect/nx-plugin:test');
    expect(changed.filter((id) => id.endsWith(':synth') || id.endsWith(':build'))).toEqual([]);
  });

  it('do not change with a test-only or docs-only edit of a package, except its tests', () => {
    const changed = changedBy(() => append('services/api-gateway/deploy.test.ts', '// edit\n'));
    expect(changed).toContain('@b2connect/api-gateway:test');
    expect(changed.filter((id) => id.endsWith(':synth') || id.endsWith(':build'))).toEqual([]);
  });

  // Without the daemon as on CI, with it as on a workstation (Nx's default there); each in an
  // environment of its own, so that neither replays what the other stored.
  it.each([
    ['without', 'dev'],
    ['with', 'staging'],
  ])(
    'never store a build whose input changed while it ran, %s the Nx daemon: the next build of the old input is correct',
    async (daemon, environment) => {
      const env = {
        ...process.env,
        NX_DAEMON: String(daemon === 'with'),
        NX_NO_CLOUD: 'true',
        NX_TUI: 'false',
        // The cache is what this test is about: on, whatever the caller (CI skips it) says.
        NX_SKIP_NX_CACHE: 'false',
      };
      const nx = (args: string[]) => spawn(process.execPath, [join(copy, 'node_modules/nx/bin/nx.js'), ...args], { cwd: copy, env });
      // The tests above edit and restore files many times within a second; Nx's file-hash cache from
      // those runs may still hold an edited file's hash for its restored content, which the check
      // (hashing every file again) rightly reports as moved. This test starts from a cache Nx built
      // from the files as they are.
      rmSync(join(copy, '.nx/workspace-data'), { recursive: true, force: true });
      const run = (args: string[], onOutput: (text: string) => void = () => undefined) =>
        new Promise<{ code: number | null; output: string }>((done) => {
          const p = nx(args);
          let output = '';
          const take = (d: Buffer) => {
            output += d;
            onOutput(output);
          };
          p.stdout.on('data', take);
          p.stderr.on('data', take);
          p.on('exit', (code) => done({ code, output }));
        });
      const file = join(copy, 'services/identity/deploy.ts');
      const original = readFileSync(file, 'utf8');
      const poisoned = original.replace("Jwt__AccessTokenMinutes: '15'", "Jwt__AccessTokenMinutes: '99'");
      expect(poisoned).not.toBe(original);
      const args = ['run', '@b2connect/identity:synth', '-c', environment];
      let edited = false;
      try {
        // Nx hashes the old input; the edit lands once the executor has started building.
        const first = await run(args, (text) => {
          if (!edited && text.includes('synth: building')) {
            edited = true;
            writeFileSync(file, poisoned);
          }
        });
        expect(edited).toBe(true);
        expect(first.code, first.output).not.toBe(0);
        expect(first.output).toContain('its inputs changed while it ran');
      } finally {
        writeFileSync(file, original);
      }
      // The old input again: built, not replayed from the poisoned run.
      const second = await run(args);
      expect(second.code, second.output).toBe(0);
      expect(second.output).not.toContain('[local cache]');
      const manifests = readFileSync(join(copy, `dist/environments/${environment}/identity/manifests.yaml`), 'utf8');
      expect(manifests).toContain("Jwt__AccessTokenMinutes: '15'");
      // And an untouched run is stored and replayed as usual.
      const third = await run(args);
      expect(third.code, third.output).toBe(0);
      expect(third.output).toMatch(/local cache|existing outputs match the cache/);
      if (daemon === 'with')
        execFileSync(process.execPath, [join(copy, 'node_modules/nx/bin/nx.js'), 'daemon', '--stop'], { cwd: copy, env });
    },
  );
});
