import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { environment, importLoader, makeWorkspace, webService } from '../../../../libs/k8s-lib/test/helpers';
import { runDeployTasks } from './executor';

const quiet = { log: () => undefined, error: () => undefined, load: importLoader, commit: 'c0ffee' };

describe('deploy executor', () => {
  it('builds, writes the manifest and publishes to the bundle folder by default', async () => {
    const root = makeWorkspace({ packages: { orders: webService('orders') } });
    const results = await runDeployTasks(root, [{ id: 'orders:deploy', options: { environment: 'prod', package: 'orders' } }], quiet);
    expect(results['orders:deploy']).toMatchObject({
      success: true,
      terminalOutput: expect.stringContaining('prod: dir: dist/environments/prod'),
    });
    const manifest = JSON.parse(readFileSync(join(root, 'dist/environments/prod/bundle.json'), 'utf8'));
    expect(manifest.packages.orders.commit).toBe('c0ffee');
  });

  it('publishes to the GitOps repository the environment names when asked for the gitops driver', async () => {
    const base = mkdtempSync(join(tmpdir(), 'b2c-deploy-gitops-'));
    execFileSync('git', ['init', '--bare', '--initial-branch=main', join(base, 'repo.git')]);
    const prod = {
      ...environment('prod'),
      delivery: { driver: 'dir', gitops: { repository: join(base, 'repo.git'), branch: 'main', path: 'prod' } },
    };
    const root = makeWorkspace({ environments: { prod: prod as never }, packages: { orders: webService('orders') } });
    const results = await runDeployTasks(
      root,
      [{ id: 'orders:deploy', options: { environment: 'prod', package: 'orders', driver: 'gitops' } }],
      quiet,
    );
    expect(results['orders:deploy']!.success).toBe(true);
    const tree = execFileSync('git', ['ls-tree', '-r', '--name-only', 'main'], { cwd: join(base, 'repo.git'), encoding: 'utf8' });
    expect(tree).toContain('prod/orders/manifests.yaml');
    expect(tree).toContain('prod/bundle.json');
  });

  it('fails the tasks with a clear message when the driver has no settings, after writing the bundle', async () => {
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
    expect(errors.join('\n')).toContain('publish of prod failed: environments/prod.yaml: delivery.kubectl: required by the kubectl driver');
    expect(existsSync(join(root, 'dist/environments/prod/orders'))).toBe(true);
  });
});
