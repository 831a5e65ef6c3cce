import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAll } from 'js-yaml';
import {
  CONFIG_NAME_ANNOTATION,
  RETAINED_ANNOTATION,
  contentHash,
  MANIFESTS,
  KUSTOMIZATION,
  provenanceAnnotations,
  renderPackageKustomization,
  type PackageProvenance,
} from '@b2connect/k8s-lib/pipeline';
import { commitMessage, publishGitOps } from './gitops';
import type { PublishRequest } from './types';
import { CONFIG_VERSIONS_KEPT } from './retention';

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

/** A built environment bundle folder: one folder per package with its manifests and provenance. */
function bundle(packages: Record<string, string>, commit = 'abc123'): { dir: string; manifest: Record<string, PackageProvenance> } {
  const dir = mkdtempSync(join(tmpdir(), 'b2c-bundle-'));
  const manifest: Record<string, PackageProvenance> = {};
  for (const [name, content] of Object.entries(packages)) {
    mkdirSync(join(dir, name));
    const manifests = `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "${content}"\n`;
    const p = { version: '1.4.0', contentHash: contentHash(manifests), commit, k8sLib: '0.1.0' };
    writeFileSync(join(dir, name, MANIFESTS), manifests);
    writeFileSync(join(dir, name, KUSTOMIZATION), renderPackageKustomization(provenanceAnnotations(p)));
    manifest[name] = p;
  }
  // What a killed write leaves behind is never published.
  mkdirSync(join(dir, '.catalog.new-1'));
  return { dir, manifest };
}

function request(
  built: { dir: string; manifest: Record<string, PackageProvenance> },
  packages: string[],
  workspace: string[] = packages,
  dryRun = false,
): PublishRequest {
  return {
    envName: 'prod',
    bundleDir: built.dir,
    packages,
    workspace: workspace.map((name) => ({ name, wave: 3 })),
    manifest: { environment: 'prod', packages: Object.fromEntries(packages.map((p) => [p, built.manifest[p]!])) },
    dryRun,
  };
}

/** A clone of `repo` with `orders` published from `other`, committed and ready to push. */
function pushOrders(repo: string, other: ReturnType<typeof bundle>): string {
  const clone = mkdtempSync(join(tmpdir(), 'b2c-other-'));
  git(clone, 'clone', '-q', repo, '.');
  cpSync(join(other.dir, 'orders'), join(clone, 'environments/prod/orders'), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(clone, 'environments/prod/bundle.json'), 'utf8'));
  manifest.packages.orders = other.manifest.orders;
  writeFileSync(join(clone, 'environments/prod/bundle.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  git(clone, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'deploy(prod): orders');
  return clone;
}

const target = (repository: string, path = 'environments/prod') => ({ repository, branch: 'main', path });
const tree = (repo: string) => git(repo, 'ls-tree', '-r', '--name-only', 'main').split('\n');
const lastCommitFiles = (repo: string) => git(repo, 'show', '--name-only', '--format=', 'main').split('\n').sort();

describe('gitops driver', () => {
  it('commits the environment bundle with its provenance, and the repository has the expected tree', async () => {
    const repo = gitopsRepo();
    const result = await publishGitOps(request(bundle({ catalog: '1' }), ['catalog']), target(repo));
    expect(result.changed).toBe(true);
    expect(tree(repo)).toEqual([
      'README.md',
      'environments/prod/bundle.json',
      'environments/prod/catalog/kustomization.yaml',
      'environments/prod/catalog/manifests.yaml',
      'environments/prod/kustomization.yaml',
    ]);
    expect(git(repo, 'show', 'main:environments/prod/kustomization.yaml')).toContain('- catalog');
    expect(git(repo, 'log', '-1', '--format=%an%n%B', 'main')).toBe(
      `b2connect-deploy\ndeploy(prod): catalog\n\n- catalog 1.4.0 ${bundle({ catalog: '1' }).manifest.catalog!.contentHash.slice(0, 19)} from abc123 (k8s-lib 0.1.0)`,
    );
  });

  it('makes no commit when nothing changed', async () => {
    const repo = gitopsRepo();
    const built = bundle({ catalog: '1' });
    await publishGitOps(request(built, ['catalog']), target(repo));
    const second = await publishGitOps(request(built, ['catalog']), target(repo));
    expect(second).toMatchObject({ changed: false, summary: expect.stringContaining('already up to date') });
    expect(git(repo, 'rev-list', '--count', 'main')).toBe('2');
  });

  it('changes only the packages it built on a partial deploy, and keeps every other package as the repository has it', async () => {
    const repo = gitopsRepo();
    await publishGitOps(request(bundle({ catalog: '1', orders: '1' }), ['catalog', 'orders']), target(repo));
    const ordersBefore = git(repo, 'show', 'main:environments/prod/orders/manifests.yaml');
    // A clean checkout that built only catalog; whatever else the bundle folder holds is not this run's.
    const partial = bundle({ catalog: '2', orders: 'stale edit left in dist' }, 'def456');
    await publishGitOps(request(partial, ['catalog'], ['catalog', 'orders']), target(repo));
    expect(lastCommitFiles(repo)).toEqual([
      'environments/prod/bundle.json',
      'environments/prod/catalog/kustomization.yaml',
      'environments/prod/catalog/manifests.yaml',
    ]);
    expect(git(repo, 'show', 'main:environments/prod/orders/manifests.yaml')).toBe(ordersBefore);
    const manifest = JSON.parse(git(repo, 'show', 'main:environments/prod/bundle.json'));
    expect(Object.keys(manifest.packages)).toEqual(['catalog', 'orders']);
    expect(manifest.packages.orders.commit).toBe('abc123');
    expect(manifest.packages.catalog.commit).toBe('def456');
    expect(git(repo, 'log', '-1', '--format=%s', 'main')).toBe('deploy(prod): catalog');
  });

  it('keeps the published provenance of a rebuilt package whose content did not change', async () => {
    const repo = gitopsRepo();
    await publishGitOps(request(bundle({ catalog: '1', orders: '1' }), ['catalog', 'orders']), target(repo));
    // A later commit (docs only) rebuilds everything with the same content.
    const result = await publishGitOps(request(bundle({ catalog: '1', orders: '1' }, 'fff999'), ['catalog', 'orders']), target(repo));
    expect(result.changed).toBe(false);
    expect(git(repo, 'show', 'main:environments/prod/catalog/kustomization.yaml')).toContain('b2connect.io/commit: abc123');
  });

  it('prunes the folder of a package the commit no longer has, and reports it', async () => {
    const repo = gitopsRepo();
    await publishGitOps(request(bundle({ catalog: '1', billing: '1' }), ['catalog', 'billing']), target(repo));
    const result = await publishGitOps(request(bundle({ catalog: '1' }), ['catalog']), target(repo));
    expect(result.pruned).toEqual(['billing']);
    expect(tree(repo).filter((f) => f.includes('billing'))).toEqual([]);
    expect(git(repo, 'show', 'main:environments/prod/kustomization.yaml')).not.toContain('billing');
    expect(git(repo, 'log', '-1', '--format=%B', 'main')).toContain('- billing: pruned (no longer a package of the commit)');
  });

  it('fails when a package of the commit is neither built nor in the repository, and pushes nothing', async () => {
    const repo = gitopsRepo();
    await expect(publishGitOps(request(bundle({ catalog: '1' }), ['catalog'], ['catalog', 'orders']), target(repo))).rejects.toThrow(
      'the GitOps repository has no bundle of orders in main:environments/prod, and this deploy did not build it',
    );
    expect(git(repo, 'rev-list', '--count', 'main')).toBe('1');
  });

  it('pushes nothing on a dry run', async () => {
    const repo = gitopsRepo();
    const result = await publishGitOps(request(bundle({ catalog: '1' }), ['catalog'], ['catalog'], true), target(repo));
    expect(result.summary).toMatch(/dry run/);
    expect(git(repo, 'rev-list', '--count', 'main')).toBe('1');
  });

  it('fails when the environment folder leaves the clone, and deletes nothing around it, even on a dry run', async () => {
    const repo = gitopsRepo();
    const sentinel = join(tmpdir(), `b2c-sentinel-${process.pid}`);
    writeFileSync(sentinel, 'keep');
    for (const path of ['..', '../..', 'a/../../b', '/tmp', '.git', '.git/hooks', 'a/.GIT/x']) {
      await expect(publishGitOps(request(bundle({ catalog: '1' }), ['catalog'], ['catalog'], true), target(repo, path))).rejects.toThrow(
        /is not inside|\.git folder/,
      );
    }
    expect(existsSync(sentinel)).toBe(true);
    expect(git(repo, 'rev-list', '--count', 'main')).toBe('1');
  });

  it('starts a new branch empty in a repository whose default branch holds other files', async () => {
    const repo = gitopsRepo();
    const seed = mkdtempSync(join(tmpdir(), 'b2c-seed-'));
    git(seed, 'clone', '-q', repo, '.');
    mkdirSync(join(seed, 'environments/prod/catalog'), { recursive: true });
    writeFileSync(join(seed, 'other.txt'), 'not ours\n');
    writeFileSync(join(seed, 'environments/prod/catalog/manifests.yaml'), 'from main\n');
    git(seed, '-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '.');
    git(seed, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'main content');
    git(seed, 'push', '-q', 'origin', 'HEAD:main');
    await publishGitOps(request(bundle({ catalog: '1' }), ['catalog']), { ...target(repo), branch: 'deploy' });
    expect(git(repo, 'ls-tree', '-r', '--name-only', 'deploy').split('\n')).toEqual([
      'environments/prod/bundle.json',
      'environments/prod/catalog/kustomization.yaml',
      'environments/prod/catalog/manifests.yaml',
      'environments/prod/kustomization.yaml',
    ]);
    expect(git(repo, 'show', 'deploy:environments/prod/catalog/manifests.yaml')).toContain('kind: ConfigMap');
  });

  it('keeps folders of the environment path that no deploy wrote (no provenance)', async () => {
    const repo = gitopsRepo();
    await publishGitOps(request(bundle({ catalog: '1' }), ['catalog']), target(repo));
    const seed = mkdtempSync(join(tmpdir(), 'b2c-seed-'));
    git(seed, 'clone', '-q', repo, '.');
    mkdirSync(join(seed, 'environments/prod/extras'), { recursive: true });
    writeFileSync(join(seed, 'environments/prod/extras/notes.md'), 'kept by hand\n');
    git(seed, '-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '.');
    git(seed, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'extras');
    git(seed, 'push', '-q', 'origin', 'HEAD:main');
    const result = await publishGitOps(request(bundle({ catalog: '2' }), ['catalog']), target(repo));
    expect(result.pruned).toEqual([]);
    expect(git(repo, 'show', 'main:environments/prod/extras/notes.md')).toBe('kept by hand');
  });

  it('publishes again from the new state when the branch moved on before the push', async () => {
    const repo = gitopsRepo();
    await publishGitOps(request(bundle({ catalog: '1', orders: '1' }), ['catalog', 'orders']), target(repo));
    // Another publisher pushes orders while this one works (simulated on the first clone's log line).
    let raced = false;
    const other = bundle({ orders: '2' }, 'other');
    const req = {
      ...request(bundle({ catalog: '2' }), ['catalog'], ['catalog', 'orders']),
      log: (line: string) => {
        if (!raced && line.startsWith('pushing')) {
          raced = true;
          execFileSync('git', ['push', '-q', repo, 'HEAD:main'], { cwd: pushOrders(repo, other) });
        }
      },
    };
    await publishGitOps(req, target(repo));
    const manifest = JSON.parse(git(repo, 'show', 'main:environments/prod/bundle.json'));
    expect(manifest.packages.orders.commit).toBe('other');
    expect(manifest.packages.catalog.commit).toBe('abc123');
    expect(git(repo, 'log', '--format=%s', 'main').split('\n').slice(0, 2)).toEqual(['deploy(prod): catalog', 'deploy(prod): orders']);
  });

  it('replaces a published folder that was edited by hand in the repository, even when its provenance says unchanged', async () => {
    const repo = gitopsRepo();
    const built = bundle({ catalog: '1' });
    await publishGitOps(request(built, ['catalog']), target(repo));
    const seed = mkdtempSync(join(tmpdir(), 'b2c-seed-'));
    git(seed, 'clone', '-q', repo, '.');
    writeFileSync(join(seed, 'environments/prod/catalog/manifests.yaml'), 'maxReplicas: 99\n');
    writeFileSync(join(seed, 'environments/prod/catalog/extra.yaml'), 'kind: Secret\n');
    git(seed, '-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '.');
    git(seed, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'hand edit');
    git(seed, 'push', '-q', 'origin', 'HEAD:main');
    const result = await publishGitOps(request(built, ['catalog']), target(repo));
    expect(result.changed).toBe(true);
    expect(git(repo, 'show', 'main:environments/prod/catalog/manifests.yaml')).toContain('kind: ConfigMap');
    expect(tree(repo)).not.toContain('environments/prod/catalog/extra.yaml');
  });

  it("fails when the environment's folder holds or lies inside another environment's bundle, and pushes nothing", async () => {
    const repo = gitopsRepo();
    const staging = { ...request(bundle({ catalog: '1' }), ['catalog']), envName: 'staging' };
    await publishGitOps(staging, target(repo, 'environments/staging'));
    await expect(publishGitOps(request(bundle({ catalog: '1' }), ['catalog']), target(repo, 'environments'))).rejects.toThrow(
      'delivery.gitops.path "environments" contains the bundle of environment staging (staging/): the paths of two environments overlap',
    );
    await expect(publishGitOps(request(bundle({ catalog: '1' }), ['catalog']), target(repo, 'environments/staging'))).rejects.toThrow(
      'delivery.gitops.path "environments/staging" holds the bundle of environment staging',
    );
    expect(git(repo, 'rev-list', '--count', 'main')).toBe('2');
  });

  it('starts the branch in an empty repository', async () => {
    const base = mkdtempSync(join(tmpdir(), 'b2c-gitops-empty-'));
    git(base, 'init', '--bare', 'empty.git');
    await publishGitOps(request(bundle({ catalog: '1' }), ['catalog']), target(join(base, 'empty.git')));
    expect(git(join(base, 'empty.git'), 'rev-list', '--count', 'main')).toBe('1');
  });

  it('writes one line of provenance per changed package, and one per pruned package', () => {
    const p = { version: '1.4.0', contentHash: `sha256:${'a'.repeat(64)}`, commit: 'abc123', k8sLib: '0.1.0' };
    expect(
      commitMessage({
        envName: 'prod',
        changed: [
          { name: 'catalog', provenance: p },
          { name: 'orders', provenance: { ...p, uncommitted: `sha256:${'d'.repeat(64)}` } },
        ],
        pruned: ['billing'],
      }).split('\n'),
    ).toEqual([
      'deploy(prod): 3 packages',
      '',
      '- catalog 1.4.0 sha256:aaaaaaaaaaaa from abc123 (k8s-lib 0.1.0)',
      '- orders 1.4.0 sha256:aaaaaaaaaaaa from abc123 with uncommitted changes sha256:dddddddddddd (k8s-lib 0.1.0)',
      '- billing: pruned (no longer a package of the commit)',
    ]);
  });
});

/** A bundle whose catalog has settings version `v`: a content-named ConfigMap and a Deployment that names it. */
function configBundle(v: number): { dir: string; manifest: Record<string, PackageProvenance> } {
  const dir = mkdtempSync(join(tmpdir(), 'b2c-bundle-'));
  const name = `catalog-config-${String(v).padStart(10, '0')}`;
  const manifests =
    `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: b2connect\n  annotations:\n    ${CONFIG_NAME_ANNOTATION}: catalog-config\ndata:\n  PageSize: "${v}"\n` +
    `---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: catalog\n  namespace: b2connect\nspec:\n  template:\n    spec:\n      containers:\n        - name: catalog\n          envFrom:\n            - configMapRef:\n                name: ${name}\n`;
  const p = { version: '1.4.0', contentHash: contentHash(manifests), commit: `c${v}`, k8sLib: '0.1.0' };
  mkdirSync(join(dir, 'catalog'));
  writeFileSync(join(dir, 'catalog', MANIFESTS), manifests);
  writeFileSync(join(dir, 'catalog', KUSTOMIZATION), renderPackageKustomization(provenanceAnnotations(p)));
  return { dir, manifest: { catalog: p } };
}

describe('gitops driver: previous config versions', () => {
  const retained = (repo: string) => {
    const files = tree(repo);
    if (!files.includes('environments/prod/catalog/retained.yaml')) return [];
    return (loadAll(git(repo, 'show', 'main:environments/prod/catalog/retained.yaml')) as any[]).map(
      (o) => `${o.metadata.name}@${o.metadata.annotations[RETAINED_ANNOTATION]}`,
    );
  };
  const version = (n: number) => `catalog-config-${String(n).padStart(10, '0')}`;

  it(`keeps the ${CONFIG_VERSIONS_KEPT} versions before the current one in the bundle, prunes the one after, and brings an old one back as current`, async () => {
    const repo = gitopsRepo();
    await publishGitOps(request(configBundle(1), ['catalog']), target(repo));
    expect(retained(repo)).toEqual([]);
    await publishGitOps(request(configBundle(2), ['catalog']), target(repo));
    // The settings changed: the ConfigMap the previous pod template names stays, and the kustomization lists it.
    expect(retained(repo)).toEqual([`${version(1)}@1`]);
    expect(git(repo, 'show', 'main:environments/prod/catalog/kustomization.yaml')).toMatch(
      /resources:\n {2}- manifests\.yaml\n {2}- retained\.yaml/,
    );
    // Versions 1 .. K + 2 published (K kept): 1 is past the count, 2 .. K + 1 are kept, K + 2 is current.
    const K = CONFIG_VERSIONS_KEPT;
    for (let v = 3; v <= K + 2; v++) await publishGitOps(request(configBundle(v), ['catalog']), target(repo));
    const from = (first: number, last: number) => Array.from({ length: last - first + 1 }, (_, i) => first + i);
    expect(retained(repo)).toEqual(from(2, K + 1).map((v) => `${version(v)}@${K + 2 - v}`));
    // A rollback to version K + 1's settings: it is current again, K + 2 the one before, 2 is past the count.
    await publishGitOps(request(configBundle(K + 1), ['catalog']), target(repo));
    expect(retained(repo)).toEqual([...from(3, K).map((v) => `${version(v)}@${K + 3 - v}`), `${version(K + 2)}@1`]);
    expect(git(repo, 'show', 'main:environments/prod/catalog/manifests.yaml')).toContain(`name: ${version(K + 1)}`);
  });

  it('keeps what it kept when a deploy does not change the config', async () => {
    const repo = gitopsRepo();
    await publishGitOps(request(configBundle(1), ['catalog']), target(repo));
    await publishGitOps(request(configBundle(2), ['catalog']), target(repo));
    const result = await publishGitOps(request(configBundle(2), ['catalog']), target(repo));
    expect(result.changed).toBe(false);
    expect(retained(repo)).toEqual([`${version(1)}@1`]);
  });
});

/** A bundle of catalog (slotted) at image version `v` in both slots, and ingress (not slotted) routing to `live`. */
function slotBundle(v: number, live: string): { dir: string; manifest: Record<string, PackageProvenance> } {
  const dir = mkdtempSync(join(tmpdir(), 'b2c-bundle-'));
  const manifest: Record<string, PackageProvenance> = {};
  const deployment = (ns: string) =>
    `---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: catalog\n  namespace: ${ns}\nspec:\n  template:\n    spec:\n      containers:\n        - name: catalog\n          image: catalog:${v}.0.0\n`;
  const ingress = (ns: string) =>
    `---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: b2connect\n  namespace: ${ns}\nspec:\n  rules:\n    - host: ${ns === `b2connect-${live}` ? 'www' : 'preview'}.example.com\n`;
  const files = {
    catalog: `# Generated from services/catalog/deploy.ts\n${deployment('b2connect-blue')}${deployment('b2connect-green')}`,
    ingress: `# Generated from infra/ingress/deploy.ts\n${ingress('b2connect-blue')}${ingress('b2connect-green')}`,
  };
  for (const [name, manifests] of Object.entries(files)) {
    const p = { version: '1.4.0', contentHash: contentHash(manifests), commit: `c${v}`, k8sLib: '0.1.0' };
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, MANIFESTS), manifests);
    writeFileSync(join(dir, name, KUSTOMIZATION), renderPackageKustomization(provenanceAnnotations(p)));
    manifest[name] = p;
  }
  return { dir, manifest };
}

describe('gitops driver: blue-green slots', () => {
  const images = (repo: string) =>
    Object.fromEntries(
      (loadAll(git(repo, 'show', 'main:environments/prod/catalog/manifests.yaml')) as any[])
        .filter(Boolean)
        .map((o) => [o.metadata.namespace, o.spec.template.spec.containers[0].image]),
    );
  const slotRequest = (built: ReturnType<typeof slotBundle>, live: string): PublishRequest => ({
    ...request(built, ['catalog', 'ingress']),
    slots: { liveNamespace: `b2connect-${live}`, packages: ['catalog'] },
  });

  it('publishes a deploy to the idle slot only, keeps the live one as the repository has it, and follows a switch', async () => {
    const repo = gitopsRepo();
    // The first deploy with slots publishes both.
    await publishGitOps(slotRequest(slotBundle(1, 'blue'), 'blue'), target(repo));
    expect(images(repo)).toEqual({ 'b2connect-blue': 'catalog:1.0.0', 'b2connect-green': 'catalog:1.0.0' });
    await publishGitOps(slotRequest(slotBundle(2, 'blue'), 'blue'), target(repo));
    expect(images(repo)).toEqual({ 'b2connect-blue': 'catalog:1.0.0', 'b2connect-green': 'catalog:2.0.0' });
    // The recorded content is what the repository holds.
    const recorded = JSON.parse(git(repo, 'show', 'main:environments/prod/bundle.json')).packages.catalog.contentHash;
    expect(recorded).toBe(contentHash(git(repo, 'show', 'main:environments/prod/catalog/manifests.yaml') + '\n'));
    // Green goes live; the ingress, not slotted, is published whole; the next release goes to blue.
    await publishGitOps(slotRequest(slotBundle(2, 'green'), 'green'), target(repo));
    expect(git(repo, 'show', 'main:environments/prod/ingress/manifests.yaml')).toContain(
      'namespace: b2connect-green\nspec:\n  rules:\n    - host: www',
    );
    await publishGitOps(slotRequest(slotBundle(3, 'green'), 'green'), target(repo));
    expect(images(repo)).toEqual({ 'b2connect-blue': 'catalog:3.0.0', 'b2connect-green': 'catalog:2.0.0' });
    // Nothing new: no commit.
    expect((await publishGitOps(slotRequest(slotBundle(3, 'green'), 'green'), target(repo))).changed).toBe(false);
  });
});
