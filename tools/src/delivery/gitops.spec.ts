import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitMessage, publishGitOps } from './gitops';
import type { PublishRequest } from './types';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

/** A real bare repository with one commit on main, as a GitOps repository starts. */
function gitopsRepo(): string {
  const base = mkdtempSync(join(tmpdir(), 'b2c-gitops-test-'));
  const bare = join(base, 'gitops.git');
  git(base, 'init', '--bare', '--initial-branch=main', bare);
  const seed = join(base, 'seed');
  git(base, 'clone', bare, seed);
  writeFileSync(join(seed, 'README.md'), 'GitOps repository\n');
  git(seed, '-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '.');
  git(seed, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-m', 'init');
  git(seed, 'push', 'origin', 'HEAD:main');
  return bare;
}

function bundle(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'b2c-bundle-'));
  mkdirSync(join(dir, 'catalog'));
  writeFileSync(join(dir, 'kustomization.yaml'), 'resources:\n  - catalog\n');
  writeFileSync(join(dir, 'catalog', 'configmap-catalog-config.yaml'), content);
  writeFileSync(join(dir, 'bundle.json'), '{}\n');
  mkdirSync(join(dir, '.catalog.new-1'));
  return dir;
}

const request = (bundleDir: string, dryRun = false): PublishRequest => ({
  envName: 'prod',
  bundleDir,
  packages: ['catalog'],
  manifest: {
    environment: 'prod',
    packages: { catalog: { version: '1.4.0', contentHash: `sha256:${'a'.repeat(64)}`, commit: 'abc123', k8sLib: '0.1.0' } },
  },
  dryRun,
});

const target = (repository: string) => ({ repository, branch: 'main', path: 'environments/prod' });

describe('gitops driver', () => {
  it('commits the environment bundle with its provenance, and the repository has the expected tree', async () => {
    const repo = gitopsRepo();
    const result = await publishGitOps(request(bundle('a: 1\n')), target(repo));
    expect(result.changed).toBe(true);
    expect(git(repo, 'ls-tree', '-r', '--name-only', 'main').split('\n')).toEqual([
      'README.md',
      'environments/prod/bundle.json',
      'environments/prod/catalog/configmap-catalog-config.yaml',
      'environments/prod/kustomization.yaml',
    ]);
    expect(git(repo, 'show', 'main:environments/prod/catalog/configmap-catalog-config.yaml')).toBe('a: 1');
    expect(git(repo, 'log', '-1', '--format=%an%n%B', 'main')).toBe(
      'b2connect-deploy\ndeploy(prod): catalog\n\n- catalog 1.4.0 sha256:aaaaaaaaaaaa from abc123 (k8s-lib 0.1.0)',
    );
    expect(git(repo, 'rev-list', '--count', 'main')).toBe('2');
  });

  it('makes no commit when nothing changed', async () => {
    const repo = gitopsRepo();
    const dir = bundle('a: 1\n');
    await publishGitOps(request(dir), target(repo));
    const second = await publishGitOps(request(dir), target(repo));
    expect(second).toEqual({ changed: false, summary: expect.stringContaining('already up to date') });
    expect(git(repo, 'rev-list', '--count', 'main')).toBe('2');
  });

  it('replaces the environment folder, so objects that left the bundle leave the repository', async () => {
    const repo = gitopsRepo();
    await publishGitOps(request(bundle('a: 1\n')), target(repo));
    const next = mkdtempSync(join(tmpdir(), 'b2c-bundle-'));
    writeFileSync(join(next, 'kustomization.yaml'), 'resources: []\n');
    await publishGitOps(request(next), target(repo));
    expect(git(repo, 'ls-tree', '-r', '--name-only', 'main')).toBe('README.md\nenvironments/prod/kustomization.yaml');
  });

  it('pushes nothing on a dry run', async () => {
    const repo = gitopsRepo();
    const result = await publishGitOps(request(bundle('a: 1\n'), true), target(repo));
    expect(result.summary).toMatch(/dry run/);
    expect(git(repo, 'rev-list', '--count', 'main')).toBe('1');
  });

  it('starts the branch in an empty repository', async () => {
    const base = mkdtempSync(join(tmpdir(), 'b2c-gitops-empty-'));
    git(base, 'init', '--bare', 'empty.git');
    await publishGitOps(request(bundle('a: 1\n')), target(join(base, 'empty.git')));
    expect(git(join(base, 'empty.git'), 'rev-list', '--count', 'main')).toBe('1');
  });

  it('writes one line of provenance per deployed package', () => {
    expect(commitMessage({ ...request('/x'), packages: ['catalog', 'orders'] }).split('\n')).toEqual([
      'deploy(prod): 2 packages',
      '',
      '- catalog 1.4.0 sha256:aaaaaaaaaaaa from abc123 (k8s-lib 0.1.0)',
      '- orders',
    ]);
  });
});
