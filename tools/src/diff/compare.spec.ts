import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBundles } from '@b2connect/k8s-lib/pipeline';
import { importLoader, makeWorkspace, webService, writeWorkspace } from '../../../libs/k8s-lib/test/helpers';
import { type BuildCheckout } from './base-worktree';
import { captured, git, repository, worktrees } from '../../test/git-fixtures';
import { compareFileTrees, readFileTree, runCompare } from './compare';

const build: BuildCheckout = async (checkout) => void (await buildBundles(checkout, { load: importLoader }));

describe('compare <git-ref>', () => {
  it('builds the ref in a temporary git worktree, finds every file identical and removes the worktree', async () => {
    const root = await repository();
    const checkouts: string[] = [];
    const recording: BuildCheckout = async (checkout) => {
      checkouts.push(checkout);
      expect(worktrees(root)).toBe(2);
      await build(checkout);
    };
    const { io, out, err } = captured();
    expect(await runCompare(['HEAD'], { cwd: root, build: recording, out, err })).toBe(0);
    const commit = git(root, 'rev-parse', 'HEAD').slice(0, 12);
    expect(io.stdout).toBe(
      `Bundles of HEAD (${commit}) against ${join(root, 'dist/environments')}: ` +
        '10 identical files, 0 differ, 0 only in base, 0 only in head\nIdentical: no file differs.\n',
    );
    expect(checkouts).toHaveLength(1);
    expect(checkouts[0]).not.toBe(root);
    expect(existsSync(checkouts[0]!)).toBe(false);
    expect(worktrees(root)).toBe(1);
  });

  it('finds a one-byte difference, a missing file and an extra file, grouped by environment and package', async () => {
    const root = await repository();
    const head = join(root, 'dist/environments');
    const manifests = join(head, 'prod/orders/manifests.yaml');
    const text = readFileSync(manifests, 'utf8');
    const at = text.indexOf('PageSize');
    expect(at).toBeGreaterThan(0);
    writeFileSync(manifests, `${text.slice(0, at)}Q${text.slice(at + 1)}`);
    rmSync(join(head, 'dev/orders/kustomization.yaml'));
    writeFileSync(join(head, 'dev/notes.txt'), 'extra\n');
    const { io, out, err } = captured();
    expect(await runCompare(['main'], { cwd: root, build, out, err })).toBe(1);
    const line = text.slice(0, at).split('\n').length;
    const size = Buffer.byteLength(text);
    const removed = readFileSync(join(root, 'dist/environments/prod/orders/kustomization.yaml')).length;
    expect(io.stdout).toContain(': 8 identical files, 1 differ, 1 only in base, 1 only in head\n');
    expect(io.stdout.split('\n').slice(1).join('\n')).toBe(
      [
        '',
        'dev',
        '  (environment files)',
        `    only in head  notes.txt (6 bytes)`,
        '  orders',
        `    only in base  kustomization.yaml (${removed} bytes)`,
        '',
        'prod',
        '  orders',
        `    differs       manifests.yaml (${size} bytes; first difference at line ${line}, byte ${at})`,
        '',
      ].join('\n'),
    );
  });

  it('leaves out the files --ignore matches, and says which glob matched nothing', async () => {
    const root = await repository();
    appendFileSync(join(root, 'dist/environments/dev/bundle.json'), ' ');
    appendFileSync(join(root, 'dist/environments/prod/bundle.json'), ' ');
    const { io, out, err } = captured();
    const argv = ['HEAD', '--ignore', '*/bundle.json', '--ignore', '*/nothing.yaml'];
    expect(await runCompare(argv, { cwd: root, build, out, err })).toBe(0);
    expect(io.stdout).toContain(': 8 identical files, 0 differ, 0 only in base, 0 only in head, 2 ignored\n');
    expect(io.stderr).toContain('compare: --ignore */nothing.yaml matched no file\n');
  });

  it('compares with a given head folder', async () => {
    const root = await repository();
    const other = makeWorkspace({ packages: { orders: webService('orders', { settings: { PageSize: '60' } }) } });
    await build(other);
    const { io, out, err } = captured();
    expect(await runCompare(['HEAD', join(other, 'dist/environments')], { cwd: root, build, out, err })).toBe(1);
    expect(io.stdout).toContain(': 4 identical files, 6 differ, 0 only in base, 0 only in head\n');
    expect(io.stdout).toMatch(
      /^prod\n {2}\(environment files\)\n {4}differs {2}bundle\.json \(.*\n {2}orders\n {4}differs {2}kustomization\.yaml/m,
    );
  });

  it('with --build, builds the working tree first and compares with its bundles', async () => {
    const root = await repository();
    writeWorkspace(root, { packages: { orders: webService('orders', { settings: { PageSize: '60' } }) } });
    const built: string[] = [];
    const buildHead: BuildCheckout = async (checkout) => {
      built.push(checkout);
      await build(checkout);
    };
    const { io, out, err } = captured();
    expect(await runCompare(['HEAD', '--build'], { cwd: join(root, 'services'), build, buildHead, out, err })).toBe(1);
    expect(built).toEqual([root]);
    expect(io.stderr).toContain(`building the bundles of the working tree at ${root}\n`);
    expect(io.stdout).toContain(': 4 identical files, 6 differ, 0 only in base, 0 only in head\n');
  });

  it('fails when the --build build fails, before building the ref', async () => {
    const root = await repository();
    const { io, out, err } = captured();
    const buildHead: BuildCheckout = async () => {
      throw new Error('environments/prod.yaml: replicas.default: expected a number');
    };
    const base: BuildCheckout = async () => expect.unreachable('no ref build after a failed head build');
    expect(await runCompare(['HEAD', '--build'], { cwd: root, build: base, buildHead, out, err })).toBe(2);
    expect(io.stderr).toContain(
      `compare failed: --build: the build of the working tree at ${root} failed: environments/prod.yaml: replicas.default: expected a number`,
    );
    expect(io.stdout).toBe('');
  });

  it('fails when the ref build fails, with its error, and still removes the worktree', async () => {
    const root = await repository();
    let checkout = '';
    const failing: BuildCheckout = async (dir) => {
      checkout = dir;
      throw new Error('services/orders/deploy.ts: port: expected a number');
    };
    const { io, out, err } = captured();
    expect(await runCompare(['HEAD'], { cwd: root, build: failing, out, err })).toBe(2);
    expect(io.stderr).toMatch(/^compare failed: base HEAD: the build of [0-9a-f]{12} failed: services\/orders\/deploy.ts: port: expected/m);
    expect(io.stdout).toBe('');
    expect(existsSync(checkout)).toBe(false);
    expect(worktrees(root)).toBe(1);
  });

  it('fails when the ref build writes no bundles', async () => {
    const root = await repository();
    const { io, out, err } = captured();
    expect(await runCompare(['HEAD'], { cwd: root, build: async () => undefined, out, err })).toBe(2);
    expect(io.stderr).toMatch(
      /^compare failed: base HEAD: the build of [0-9a-f]{12} wrote no usable bundles: .*dist\/environments: no such bundle folder/m,
    );
    expect(worktrees(root)).toBe(1);
  });

  it('fails when the ref is not a commit', async () => {
    const root = await repository();
    const { io, out, err } = captured();
    const never: BuildCheckout = async () => expect.unreachable('no build without a commit');
    expect(await runCompare(['no-such-branch'], { cwd: root, build: never, out, err })).toBe(2);
    expect(io.stderr).toContain(`compare failed: base no-such-branch: not a commit of the git repository at ${root}`);
  });

  it('fails when the head bundles are missing, before building the ref', async () => {
    const root = await repository();
    rmSync(join(root, 'dist'), { recursive: true });
    const { io, out, err } = captured();
    const never: BuildCheckout = async () => expect.unreachable('no ref build without head bundles');
    expect(await runCompare(['HEAD'], { cwd: root, build: never, out, err })).toBe(2);
    expect(io.stderr).toBe(`compare failed: ${join(root, 'dist/environments')}: no such bundle folder (build it first: npm run build)\n`);
  });

  it('fails when the head folder holds no file', async () => {
    const root = await repository();
    const empty = mkdtempSync(join(tmpdir(), 'b2c-empty-head-'));
    const { io, out, err } = captured();
    expect(await runCompare(['HEAD', empty], { cwd: root, build, out, err })).toBe(2);
    expect(io.stderr).toBe(`compare failed: ${empty}: holds no file (expected <env>/<package>/...)\n`);
  });

  it('fails when the head folder is a file', async () => {
    const root = await repository();
    const { io, out, err } = captured();
    expect(await runCompare(['HEAD', 'dist/environments/prod/bundle.json'], { cwd: root, build, out, err })).toBe(2);
    expect(io.stderr).toBe(
      `compare failed: ${join(root, 'dist/environments/prod/bundle.json')}: not a directory (expected a bundle folder)\n`,
    );
  });

  it('fails when the folder is not in a git repository', async () => {
    const { io, out, err } = captured();
    expect(await runCompare(['HEAD'], { cwd: mkdtempSync(join(tmpdir(), 'b2c-no-git-')), out, err })).toBe(2);
    expect(io.stderr).toMatch(/^compare: .* is not inside a git repository\nusage:/);
  });
});

describe('compare arguments', () => {
  it('fails when no git ref is given', async () => {
    const { io, out, err } = captured();
    expect(await runCompare([], { out, err })).toBe(2);
    expect(io.stderr).toMatch(
      /^compare: needs a git ref to compare with, for example HEAD or origin\/main\nusage: npm run compare-bundles/,
    );
  });

  it('fails when there are two folders', async () => {
    const { io, out, err } = captured();
    expect(await runCompare(['HEAD', 'a', 'b'], { out, err })).toBe(2);
    expect(io.stderr).toContain('compare: expected a git ref and at most one folder (the head bundles); got HEAD a b');
  });

  it('fails when --build is given with a folder', async () => {
    const { io, out, err } = captured();
    expect(await runCompare(['HEAD', 'elsewhere', '--build'], { out, err })).toBe(2);
    expect(io.stderr).toContain(
      "compare: --build builds and compares the checkout's own dist/environments; give no folder with it (got elsewhere)",
    );
  });

  it('fails when --ignore has an empty glob', async () => {
    const { io, out, err } = captured();
    expect(await runCompare(['HEAD', '--ignore', ''], { out, err })).toBe(2);
    expect(io.stderr).toContain("compare: --ignore: needs a glob, for example --ignore '*/bundle.json'");
  });

  it('fails when an option is unknown, naming the known ones', async () => {
    const { io, out, err } = captured();
    expect(await runCompare(['HEAD', '--ignroe', 'x'], { out, err })).toBe(2);
    expect(io.stderr).toMatch(/^compare: Unknown option '--ignroe'; known options: --ignore <glob>, --build, -h\/--help\nusage:/);
  });
});

describe('compareFileTrees', () => {
  const tree = (files: Record<string, string>) => new Map(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)]));

  it('points at the first different byte and its line, also when one file is a prefix of the other', () => {
    const result = compareFileTrees(
      tree({ 'a/b/x': 'one\ntwo\n', 'a/b/y': 'same' }),
      tree({ 'a/b/x': 'one\ntwo\nthree\n', 'a/b/y': 'same' }),
    );
    expect(result.identical).toBe(1);
    expect(result.differences).toEqual([{ path: 'a/b/x', type: 'differs', first: { line: 3, byte: 8 }, baseSize: 8, headSize: 14 }]);
  });

  it('matches --ignore globs against the path from the bundle folder, dot files included', () => {
    const result = compareFileTrees(tree({ 'prod/.hidden': '1', 'prod/orders/m.yaml': '1' }), tree({ 'prod/orders/m.yaml': '2' }), [
      'prod/**',
    ]);
    expect(result).toEqual({ identical: 0, differences: [], ignored: 2, unusedGlobs: [] });
  });
});

describe('npm run compare-bundles', () => {
  const cli = (cwd: string, ...args: string[]) =>
    spawnSync(process.execPath, ['-r', '@b2connect/k8s-lib/register', 'tools/src/cli.ts', 'compare', ...args], {
      cwd: join(__dirname, '../../..'),
      env: { ...process.env, INIT_CWD: cwd },
      encoding: 'utf8',
    });

  it('fails with exit code 2 when the head folder is missing, naming it', async () => {
    const root = await repository();
    const run = cli(root, 'HEAD', 'no/such/folder');
    expect(run.stderr).toContain(`compare failed: ${join(root, 'no/such/folder')}: no such bundle folder`);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(2);
  });

  it('leaves out what a write stages beside the bundle (a lock, staging folders)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'b2c-compare-dots-'));
    mkdirSync(join(dir, 'prod', 'catalog'), { recursive: true });
    writeFileSync(join(dir, 'prod', 'catalog', 'manifests.yaml'), 'a: 1\n');
    mkdirSync(join(dir, '.write.lock'));
    writeFileSync(join(dir, '.write.lock', 'pid'), '1');
    mkdirSync(join(dir, 'prod', '.catalog.new-1-2'));
    expect([...readFileTree(dir).keys()]).toEqual(['prod/catalog/manifests.yaml']);
  });
});
