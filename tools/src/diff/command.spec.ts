import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBundles } from '@b2connect/k8s-lib/pipeline';
import { importLoader, makeWorkspace, webService } from '../../../libs/k8s-lib/test/helpers';
import { buildWithNpm, type BuildCheckout } from './base-worktree';
import { captured, repository, worktrees } from '../../test/git-fixtures';
import { runDiff } from './command';

describe('diff --base <git-ref>', () => {
  it('builds the ref in a temporary git worktree, compares it with the head bundles and removes the worktree', async () => {
    const root = await repository('60');
    const checkouts: string[] = [];
    const build: BuildCheckout = async (checkout) => {
      checkouts.push(checkout);
      // The base commit's own files, in a checkout of its own.
      expect(readFileSync(join(checkout, 'services/orders/deploy.ts'), 'utf8')).toContain('"PageSize": "50"');
      expect(worktrees(root)).toBe(2);
      await buildBundles(checkout, { load: importLoader });
    };
    const { io, out, err } = captured();
    expect(await runDiff(['--base', 'HEAD'], { cwd: root, build, out, err })).toBe(1);
    expect(io.stdout).toMatch(/^\| prod \| orders \| 0 \| [1-9] \| 0 \|$/m);
    expect(io.stdout).toContain('  - `data.PageSize`: `50` → `60`');
    expect(checkouts).toHaveLength(1);
    expect(checkouts[0]).not.toBe(root);
    expect(existsSync(checkouts[0]!)).toBe(false);
    expect(worktrees(root)).toBe(1);
  });

  it('compares with a given head folder, and reports no change with exit code 0', async () => {
    const root = await repository('60');
    const same = makeWorkspace({ packages: { orders: webService('orders', { settings: { PageSize: '50' } }) } });
    await buildBundles(same, { load: importLoader });
    const { io, out, err } = captured();
    const build: BuildCheckout = async (checkout) => void (await buildBundles(checkout, { load: importLoader }));
    expect(await runDiff(['--base', 'main', join(same, 'dist/environments')], { cwd: root, build, out, err })).toBe(0);
    expect(io.stdout).toBe('## Bundle diff: 0 added, 0 changed, 0 pruned\n\nNo change.\n');
  });

  it('fails when the base build fails, with its error, and still removes the worktree', async () => {
    const root = await repository('60');
    let checkout = '';
    const { io, out, err } = captured();
    const build: BuildCheckout = async (dir) => {
      checkout = dir;
      throw new Error('environments/prod.yaml: replicas.default: expected a number');
    };
    expect(await runDiff(['--base', 'HEAD'], { cwd: root, build, out, err })).toBe(2);
    expect(io.stderr).toMatch(
      /^diff failed: --base HEAD: the build of [0-9a-f]{12} failed: environments\/prod.yaml: replicas.default: expected/m,
    );
    expect(io.stdout).toBe('');
    expect(existsSync(checkout)).toBe(false);
    expect(worktrees(root)).toBe(1);
  });

  it('fails when the base build writes no bundles', async () => {
    const root = await repository('60');
    const { io, out, err } = captured();
    expect(await runDiff(['--base', 'HEAD'], { cwd: root, build: async () => undefined, out, err })).toBe(2);
    expect(io.stderr).toMatch(/the build of [0-9a-f]{12} wrote no usable bundles: .*dist\/environments: no such bundle folder/);
    expect(io.stdout).toBe('');
    expect(worktrees(root)).toBe(1);
  });

  it('fails when the default build fails, with the output of the failed command', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'b2c-no-lock-'));
    await expect(buildWithNpm(empty)).rejects.toThrow(
      /^`npm ci --prefer-offline --no-audit --no-fund` failed \(exit code \d+\) in .*; its output:\n[^]*can only install with an existing package-lock.json/,
    );
  });

  it('fails when the ref is not a commit', async () => {
    const root = await repository('60');
    const { io, out, err } = captured();
    const build: BuildCheckout = async () => expect.unreachable('no build without a commit');
    expect(await runDiff(['--base', 'no-such-branch'], { cwd: root, build, out, err })).toBe(2);
    expect(io.stderr).toContain(`diff failed: --base no-such-branch: not a commit of the git repository at ${root}`);
  });

  it('fails when the head bundles are missing, before building the base', async () => {
    const root = await repository('60');
    rmSync(join(root, 'dist'), { recursive: true });
    const { io, out, err } = captured();
    const build: BuildCheckout = async () => expect.unreachable('no base build without head bundles');
    expect(await runDiff(['--base', 'HEAD'], { cwd: root, build, out, err })).toBe(2);
    expect(io.stderr).toContain(`diff failed: ${join(root, 'dist/environments')}: no such bundle folder (build it first: npm run build)`);
  });

  it('fails when the folder is not in a git repository', async () => {
    const { io, out, err } = captured();
    expect(await runDiff(['--base', 'HEAD'], { cwd: mkdtempSync(join(tmpdir(), 'b2c-no-git-')), out, err })).toBe(2);
    expect(io.stderr).toMatch(/^diff: --base: .* is not inside a git repository\nusage:/);
  });
});

describe('diff arguments', () => {
  it('fails when an option is unknown, naming the known ones', async () => {
    const { io, out, err } = captured();
    expect(await runDiff(['a', 'b', '--bsae', 'main'], { out, err })).toBe(2);
    expect(io.stderr).toMatch(/^diff: Unknown option '--bsae'; known options: --base <git-ref>, --max-chars <n>, -h\/--help\nusage:/);
  });

  it('fails when --max-chars is not a whole number of at least 1000', async () => {
    const { io, out, err } = captured();
    expect(await runDiff(['a', 'b', '--max-chars', '5k'], { out, err })).toBe(2);
    expect(io.stderr).toContain('diff: --max-chars: 5k is not a whole number of at least 1000');
  });

  it('fails when the folders are not two', async () => {
    const { io, out, err } = captured();
    expect(await runDiff(['only-one'], { out, err })).toBe(2);
    expect(io.stderr).toContain('diff: expected two folders (base and head bundles), got 1');
  });

  it('passes --max-chars to the report', async () => {
    const root = await repository('60');
    const base = mkdtempSync(join(tmpdir(), 'b2c-empty-base-'));
    const head = join(root, 'dist/environments');
    const { io, out, err } = captured();
    // An empty environment folder: every object of the head is added, a report past 1000 characters.
    mkdirSync(join(base, 'prod/orders'), { recursive: true });
    writeFileSync(join(base, 'prod/orders/manifests.yaml'), '');
    expect(await runDiff([base, head, '--max-chars', '1000'], { out, err })).toBe(1);
    expect(io.stdout.length).toBeLessThanOrEqual(1000);
    expect(io.stdout).toContain('**Left out** to stay within 1000 characters');
  });
});

describe('npm run diff', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['-r', '@b2connect/k8s-lib/register', 'tools/src/cli.ts', 'diff', ...args], {
      cwd: join(__dirname, '../../..'),
      encoding: 'utf8',
    });

  it('fails with exit code 2 when a folder is missing, naming it', async () => {
    const root = await repository('60');
    const missing = join(root, 'base/dist/environments');
    const run = cli(missing, join(root, 'dist/environments'));
    expect(run.stderr).toContain(`diff failed: ${missing}: no such bundle folder`);
    expect(run.stdout).toBe('');
    expect(run.status).toBe(2);
  });

  it('exits 1 with the Markdown on stdout when there are changes', async () => {
    const root = await repository('60');
    const base = makeWorkspace({ packages: { orders: webService('orders', { settings: { PageSize: '50' } }) } });
    await buildBundles(base, { load: importLoader });
    const run = cli(join(base, 'dist/environments'), join(root, 'dist/environments'));
    expect(run.stdout).toMatch(/^## Bundle diff: 0 added, [1-9] changed, 0 pruned\n/);
    expect(run.status).toBe(1);
  });
});
