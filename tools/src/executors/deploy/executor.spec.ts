import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { environment, importLoader, makeWorkspace, webService, writeWorkspace } from '../../../../libs/k8s-lib/test/helpers';
import { runDeployTasks } from './executor';

const kubectl = resolve(__dirname, '../../../../.tools/bin/kubectl');
const quiet = { log: () => undefined, error: () => undefined, load: importLoader, source: { commit: 'c0ffee' } };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

/** A bare repository the gitops driver pushes to, and a prod environment whose delivery names it. */
function gitopsSetup() {
  const base = mkdtempSync(join(tmpdir(), 'b2c-deploy-gitops-'));
  const bare = join(base, 'repo.git');
  git(base, 'init', '--bare', '--initial-branch=main', bare);
  const prod = {
    ...environment('prod'),
    delivery: {
      driver: 'dir',
      gitops: { engine: 'none', repository: 'https://git.example.com/gitops.git', pushUrl: bare, branch: 'main', path: 'envs/prod' },
    },
  };
  return { bare, environments: { dev: environment('dev'), prod: prod as never } };
}

const deployTasks = (pkgs: string[], options: Record<string, unknown> = {}) => [
  ...pkgs.map((pkg) => ({ id: `${pkg}:deploy`, options: { environment: 'prod', package: pkg, ...options }, configuration: 'prod' })),
  { id: 'environments:deploy', options: { environment: 'prod', ...options }, configuration: 'prod' },
];

describe('deploy executor', () => {
  it('builds, writes the manifest with the source commit and publishes to the bundle folder by default', async () => {
    const root = makeWorkspace({ packages: { orders: webService('orders') } });
    const results = await runDeployTasks(root, [{ id: 'orders:deploy', options: { environment: 'prod', package: 'orders' } }], quiet);
    expect(results['orders:deploy']).toMatchObject({
      success: true,
      terminalOutput: expect.stringContaining('prod: dir: dist/environments/prod'),
    });
    const manifest = JSON.parse(readFileSync(join(root, 'dist/environments/prod/bundle.json'), 'utf8'));
    expect(manifest.packages.orders.commit).toBe('c0ffee');
  });

  it('publishes to the pushUrl of the environment while the objects keep the cluster-facing URL', async () => {
    const { bare, environments } = gitopsSetup();
    const root = makeWorkspace({ environments, packages: { orders: webService('orders') } });
    const results = await runDeployTasks(root, deployTasks(['orders'], { driver: 'gitops' }), quiet);
    expect(results['orders:deploy']!.success).toBe(true);
    const tree = git(bare, 'ls-tree', '-r', '--name-only', 'main');
    expect(tree).toContain('envs/prod/orders/manifests.yaml');
    expect(tree).toContain('envs/prod/bundle.json');
    expect(tree).toContain('envs/prod/network.md');
  });

  it('changes only the deployed package on a partial deploy from a clean checkout, and the environment still renders', async () => {
    const { bare, environments } = gitopsSetup();
    const packages = { catalog: webService('catalog'), orders: webService('orders'), search: webService('search') };
    const root = makeWorkspace({ environments, packages });
    await runDeployTasks(root, deployTasks(Object.keys(packages), { driver: 'gitops' }), quiet);
    // CI: a clean checkout (no dist), one package changed, only it deployed.
    rmSync(join(root, 'dist'), { recursive: true });
    writeWorkspace(root, { environments, packages: { catalog: webService('catalog', { settings: { PageSize: '60' } }) } });
    const results = await runDeployTasks(root, deployTasks(['catalog'], { driver: 'gitops' }), { ...quiet, source: { commit: 'beef42' } });
    expect(results['catalog:deploy']!.success).toBe(true);
    expect(git(bare, 'show', '--name-only', '--format=%s', 'main').split('\n')).toEqual([
      'deploy(prod): catalog',
      '',
      'envs/prod/bundle.json',
      'envs/prod/catalog/kustomization.yaml',
      'envs/prod/catalog/manifests.yaml',
      // The settings changed: the previous ConfigMap stays for rollback (docs/blue-green.md#retention).
      'envs/prod/catalog/retained.yaml',
    ]);
    const clone = mkdtempSync(join(tmpdir(), 'b2c-deploy-clone-'));
    git(clone, 'clone', '-q', bare, 'repo');
    expect(existsSync(kubectl), 'kubectl is missing: run scripts/install-kube-tools.sh (npm test runs it first)').toBe(true);
    const rendered = execFileSync(kubectl, ['kustomize', join(clone, 'repo/envs/prod')], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    expect(rendered).toContain('name: orders');
    expect(rendered).toContain('PageSize: "60"');
    expect(rendered.match(/b2connect\.io\/config-name: catalog-config/g)).toHaveLength(2);
    expect(rendered).toContain('b2connect.io/retained-for-rollback: "1"');
  });

  it('prunes a package that left the workspace from dist and from the GitOps repository, and says so', async () => {
    const { bare, environments } = gitopsSetup();
    const root = makeWorkspace({ environments, packages: { orders: webService('orders'), billing: webService('billing') } });
    await runDeployTasks(root, deployTasks(['orders', 'billing'], { driver: 'gitops' }), quiet);
    rmSync(join(root, 'services/billing'), { recursive: true });
    const lines: string[] = [];
    const results = await runDeployTasks(root, deployTasks(['orders'], { driver: 'gitops' }), { ...quiet, log: (l) => lines.push(l) });
    expect(results['environments:deploy']!.terminalOutput).toContain('pruned billing');
    expect(lines.join('\n')).toContain('prod/billing: pruned (no longer a package of the workspace)');
    expect(existsSync(join(root, 'dist/environments/prod/billing'))).toBe(false);
    expect(git(bare, 'ls-tree', '-r', '--name-only', 'main')).not.toContain('billing');
  });

  it('records that the tree was dirty, with a hash of the uncommitted changes', async () => {
    const root = makeWorkspace({ packages: { orders: webService('orders') } });
    writeFileSync(join(root, '.gitignore'), 'dist/\n');
    git(root, 'init', '-q');
    git(root, '-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '.');
    git(root, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init');
    const head = git(root, 'rev-parse', 'HEAD');
    const tasks = [{ id: 'orders:deploy', options: { environment: 'prod', package: 'orders' } }];
    const { source: _, ...io } = quiet;
    await runDeployTasks(root, tasks, io);
    const manifest = () => JSON.parse(readFileSync(join(root, 'dist/environments/prod/bundle.json'), 'utf8')).packages.orders;
    expect(manifest()).toMatchObject({ commit: head });
    expect(manifest().uncommitted).toBeUndefined();
    writeWorkspace(root, { packages: { orders: webService('orders', { settings: { Feature: 'on' } }) } });
    await runDeployTasks(root, tasks, io);
    expect(manifest()).toMatchObject({ commit: head, uncommitted: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    const first = manifest().uncommitted;
    writeFileSync(join(root, 'untracked.txt'), 'x');
    await runDeployTasks(root, tasks, io);
    expect(manifest().uncommitted).not.toBe(first);
    // An untracked link to a folder is hashed as a link, not read as a file.
    symlinkSync(join(root, 'services'), join(root, 'link-to-services'));
    const results = await runDeployTasks(root, tasks, io);
    expect(results['orders:deploy']!.success).toBe(true);
  });

  it('fails with the publish error printed once, however many packages the environment deploys', async () => {
    const { environments } = gitopsSetup();
    const broken = {
      ...environments,
      prod: {
        ...(environments.prod as object),
        delivery: {
          driver: 'gitops',
          gitops: { engine: 'none', repository: 'https://git.example.com/x.git', pushUrl: '/nonexistent/repo.git', path: 'p' },
        },
      } as never,
    };
    const root = makeWorkspace({ environments: broken, packages: { a: webService('a'), b: webService('b'), c: webService('c') } });
    const errors: string[] = [];
    const results = await runDeployTasks(root, deployTasks(['a', 'b', 'c']), { ...quiet, error: (l) => errors.push(l) });
    expect(Object.values(results).every((r) => !r.success)).toBe(true);
    expect(errors.filter((l) => l.startsWith('publish of prod failed'))).toHaveLength(1);
    expect(results['b:deploy']!.terminalOutput).toContain('publish of prod failed (reported by a:deploy)');
  });
});

describe('deploy executor refuses before building or publishing', () => {
  async function refused(tasks: Parameters<typeof runDeployTasks>[1]) {
    const { bare, environments } = gitopsSetup();
    const root = makeWorkspace({ environments, packages: { orders: webService('orders') } });
    const errors: string[] = [];
    const results = await runDeployTasks(root, tasks, { ...quiet, error: (l) => errors.push(l) });
    expect(Object.values(results).every((r) => !r.success)).toBe(true);
    expect(existsSync(join(root, 'dist')), 'nothing is built').toBe(false);
    expect(git(bare, 'for-each-ref'), 'nothing is pushed').toBe('');
    return errors.join('\n');
  }

  it('fails when the configuration is not an environment (-c prood)', async () => {
    const message = await refused([{ id: 'orders:deploy', options: { package: 'orders' }, configuration: 'prood' }]);
    expect(message).toContain('-c prood: no such configuration: the configurations are the environments (dev, prod)');
  });

  it('fails when no environment is named: a deploy never defaults to every environment', async () => {
    expect(await refused([{ id: 'orders:deploy', options: { package: 'orders' } }])).toContain(
      'deploy needs one environment: -c <environment> (dev, prod)',
    );
    expect(await refused([{ id: 'orders:deploy', options: { package: 'orders', environment: '*' } }])).toContain(
      'deploy needs one environment',
    );
  });

  it('fails when an option is misspelt, so that --dryrun never makes a real run', async () => {
    const message = await refused([
      { id: 'orders:deploy', options: { environment: 'prod', package: 'orders', driver: 'gitops', dryrun: true } as never },
    ]);
    expect(message).toContain(
      '--dryrun: unknown option of deploy (known: --environment, --package, --driver, --dryRun, --repository, --base)',
    );
  });

  it('fails when the driver is not one of dir, gitops, kubectl', async () => {
    const message = await refused([{ id: 'orders:deploy', options: { environment: 'prod', package: 'orders', driver: 'gitop' } as never }]);
    expect(message).toContain('--driver: "gitop" is not one of dir, gitops, kubectl');
  });

  it('takes --dryRun=false as Nx passes it (a string) for false', async () => {
    const root = makeWorkspace({ packages: { orders: webService('orders') } });
    const results = await runDeployTasks(
      root,
      [{ id: 'orders:deploy', options: { environment: 'prod', package: 'orders', dryRun: 'false' } as never }],
      quiet,
    );
    expect(results['orders:deploy']!.success).toBe(true);
  });

  it('fails when --repository carries credentials (they would be logged), or is empty', async () => {
    const withToken = await refused([
      {
        id: 'orders:deploy',
        options: { environment: 'prod', package: 'orders', driver: 'gitops', repository: 'https://deploy:s3cr3t@host/x.git' },
      },
    ]);
    expect(withToken).toContain('--repository: credentials belong in');
    expect(withToken).not.toContain('s3cr3t');
    const empty = await refused([
      { id: 'orders:deploy', options: { environment: 'prod', package: 'orders', driver: 'gitops', repository: '' } },
    ]);
    expect(empty).toContain('--repository: must NOT have fewer than 1 characters');
  });

  it('fails when the kubectl driver is asked for a real apply where a GitOps engine delivers, before building', async () => {
    const prod = {
      ...environment('prod'),
      delivery: {
        driver: 'dir',
        gitops: { engine: 'argocd', repository: 'https://git.example.com/g.git', path: 'p' },
        kubectl: { context: 'aks' },
      },
    };
    const root = makeWorkspace({ environments: { prod: prod as never }, packages: { orders: webService('orders') } });
    const calls: string[][] = [];
    const errors: string[] = [];
    const results = await runDeployTasks(
      root,
      [{ id: 'orders:deploy', options: { environment: 'prod', package: 'orders', driver: 'kubectl' } }],
      {
        ...quiet,
        error: (l) => errors.push(l),
        kubectl: async (args) => {
          calls.push([...args]);
          return { stdout: 'aks\n' };
        },
      },
    );
    expect(results['orders:deploy']!.success).toBe(false);
    expect(errors.join('\n')).toContain('environments/prod.yaml: delivery.gitops.engine: the environment is delivered by argocd');
    expect(calls).toEqual([]);
    expect(existsSync(join(root, 'dist')), 'nothing is built').toBe(false);
  });

  it('fails when the driver has no settings, before building', async () => {
    const root = makeWorkspace({ packages: { orders: webService('orders') } });
    writeFileSync(join(root, 'environments/prod.yaml'), stringify(environment('prod')));
    const errors: string[] = [];
    const results = await runDeployTasks(
      root,
      [{ id: 'orders:deploy', options: { environment: 'prod', package: 'orders', driver: 'kubectl' } }],
      {
        ...quiet,
        error: (l) => errors.push(l),
      },
    );
    expect(results['orders:deploy']!.success).toBe(false);
    expect(errors.join('\n')).toContain('environments/prod.yaml: delivery.kubectl: required by the kubectl driver');
    expect(existsSync(join(root, 'dist')), 'nothing is built').toBe(false);
  });

  it('fails when --dryRun is not a boolean', async () => {
    const message = await refused([{ id: 'orders:deploy', options: { environment: 'prod', package: 'orders', dryRun: 'yes' } as never }]);
    expect(message).toContain('--dryRun: must be boolean, got "yes"');
  });
});

describe('deploy executor: a switch commit', () => {
  const slots = (live: string) => ({
    names: ['blue', 'green'],
    live,
    previewHosts: { api: 'preview-api.example.com', storefront: 'preview.example.com', adminPortal: 'preview-admin.example.com' },
  });
  /** A cluster package that reads `slots.live`, as infra/ingress does. */
  const edge = `const { ApiObject } = require(${JSON.stringify(require.resolve('cdk8s'))});
export default { kind: 'cluster', spec: { name: 'edge', team: 'edge', build: (scope, ctx) => {
  new ApiObject(scope, 'Live', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'edge-live', namespace: ctx.env.namespace },
    data: { live: ctx.env.slots.live } });
} } };
`;
  const commit = (root: string, message: string) => {
    git(root, 'add', '.');
    git(root, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', message);
    return git(root, 'rev-parse', 'HEAD');
  };
  /** prod (gitops to a bare repository) with slots, live `live`; catalog (slotted) with `PageSize`, and edge. */
  function write(root: string, bare: string, live: string, pageSize: string, extra: Record<string, unknown> = {}) {
    const prod = {
      ...environment('prod'),
      delivery: {
        driver: 'gitops',
        gitops: { engine: 'none', repository: 'https://git.example.com/g.git', pushUrl: bare, branch: 'main', path: 'envs/prod' },
      },
      slots: slots(live),
      ...extra,
    };
    writeWorkspace(root, {
      environments: { dev: environment('dev'), prod: prod as never },
      packages: { catalog: webService('catalog', { settings: { PageSize: pageSize } }), edge },
    });
  }
  const all = ['catalog', 'edge'];
  const published = (bare: string, file: string) => git(bare, 'show', `main:envs/prod/${file}`);

  async function released() {
    const base = mkdtempSync(join(tmpdir(), 'b2c-deploy-switch-'));
    const bare = join(base, 'repo.git');
    git(base, 'init', '--bare', '--initial-branch=main', bare);
    const root = join(base, 'ws');
    git(base, 'init', '-q', '--initial-branch=main', root);
    writeFileSync(join(root, '.gitignore'), 'dist/\n');
    write(root, bare, 'blue', '20');
    const first = commit(root, 'first');
    expect((await runDeployTasks(root, deployTasks(all), { ...quiet, source: { commit: first } }))['catalog:deploy']!.success).toBe(true);
    // A release: the idle slot (green) gets PageSize 60, blue stays live with 20.
    write(root, bare, 'blue', '60');
    const release = commit(root, 'release');
    await runDeployTasks(root, deployTasks(['catalog'], { base: first }), { ...quiet, source: { commit: release } });
    const catalog = published(bare, 'catalog/manifests.yaml');
    expect(catalog).toContain("PageSize: '60'");
    expect(catalog).toContain("PageSize: '20'");
    return { root, bare, release, catalog };
  }

  it('publishes no slotted package when only slots.live changed since the base, so the slot left live stays the rollback', async () => {
    const { root, bare, release, catalog } = await released();
    // The switch commit: every package is affected by the environment file.
    write(root, bare, 'green', '60');
    const switched = commit(root, 'switch to green');
    const lines: string[] = [];
    const results = await runDeployTasks(root, deployTasks(all, { base: release }), {
      ...quiet,
      log: (l) => lines.push(l),
      source: { commit: switched },
    });
    expect(Object.values(results).every((r) => r.success)).toBe(true);
    expect(lines.join('\n')).toContain(
      `deploy: prod: only slots.live changed since ${release} (blue -> green): a switch; not publishing the slotted packages (catalog)`,
    );
    // Blue, now idle, still runs PageSize 20: the switch back returns to it.
    expect(published(bare, 'catalog/manifests.yaml')).toBe(catalog);
    expect(published(bare, 'edge/manifests.yaml')).toContain('live: green');
    expect(git(bare, 'show', '--name-only', '--format=%s', 'main').split('\n')).toEqual([
      'deploy(prod): edge',
      '',
      'envs/prod/bundle.json',
      'envs/prod/edge/kustomization.yaml',
      'envs/prod/edge/manifests.yaml',
    ]);
  }, 60_000);

  it('deploys the slotted packages as usual when more than slots.live changed, and says so where no base is known', async () => {
    const { root, bare, release, catalog } = await released();
    // slots.live and another value of the file: not a switch commit.
    write(root, bare, 'green', '60', { logging: { level: 'Warning', format: 'json' } });
    const changed = commit(root, 'switch and log less');
    await runDeployTasks(root, deployTasks(all, { base: release }), { ...quiet, source: { commit: changed } });
    expect(published(bare, 'catalog/manifests.yaml')).not.toBe(catalog);
    // No base: today's behaviour, said in the output.
    const lines: string[] = [];
    await runDeployTasks(root, deployTasks(all), { ...quiet, env: {}, log: (l) => lines.push(l), source: { commit: changed } });
    expect(lines.join('\n')).toContain(
      'deploy: prod: no base commit is known (--base or NX_BASE): publishing every built package, slotted ones into the idle slot; for a switch commit deploy the ingress only',
    );
    // NX_BASE is the base where --base is not given.
    const fromEnv: string[] = [];
    await runDeployTasks(root, deployTasks(all), {
      ...quiet,
      env: { NX_BASE: release },
      log: (l) => fromEnv.push(l),
      source: { commit: changed },
    });
    expect(fromEnv.join('\n')).not.toContain('no base commit is known');
  }, 60_000);
});
