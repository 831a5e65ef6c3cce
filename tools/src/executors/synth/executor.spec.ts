import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importLoader, makeWorkspace, webService, writeWorkspace } from '../../../../libs/k8s-lib/test/helpers';
import { runSynthTasks } from './executor';

const quiet = { log: () => undefined, error: () => undefined, load: importLoader };
const fixture = () =>
  makeWorkspace({ packages: { gateway: webService('gateway', { dependsOn: ['orders'] }), orders: webService('orders') } });

describe('synth executor', () => {
  it('runs every task of a batch in one go and reports each as successful', async () => {
    const root = fixture();
    const results = await runSynthTasks(
      root,
      [
        { id: 'gateway:synth', options: { environment: '*', package: 'gateway' } },
        { id: 'orders:synth', options: { environment: '*', package: 'orders' } },
        { id: 'environments:synth', options: { environment: '*' } },
      ],
      quiet,
    );
    expect(Object.values(results).map((r) => r.success)).toEqual([true, true, true]);
    expect(results['gateway:synth']!.terminalOutput).toContain('prod/gateway:');
    for (const env of ['dev', 'prod']) {
      expect(existsSync(join(root, 'dist/environments', env, 'gateway/manifests.yaml'))).toBe(true);
      expect(readFileSync(join(root, 'dist/environments', env, 'kustomization.yaml'), 'utf8')).toContain('- orders');
    }
  });

  it('builds every package and the indexes in one task with `all` (environments:build)', async () => {
    const root = fixture();
    const results = await runSynthTasks(root, [{ id: 'environments:build', options: { environment: '*', all: true } }], quiet);
    expect(results['environments:build']!.success).toBe(true);
    expect(results['environments:build']!.terminalOutput).toContain('prod/gateway:');
    expect(results['environments:build']!.terminalOutput).toContain('dev/orders:');
    for (const env of ['dev', 'prod']) {
      for (const pkg of ['gateway', 'orders']) expect(existsSync(join(root, 'dist/environments', env, pkg, 'manifests.yaml'))).toBe(true);
      expect(readFileSync(join(root, 'dist/environments', env, 'kustomization.yaml'), 'utf8')).toContain('- gateway');
    }
  });

  it('builds one environment when the configuration names it', async () => {
    const root = fixture();
    await runSynthTasks(root, [{ id: 'orders:synth', options: { environment: 'prod', package: 'orders' } }], quiet);
    expect(existsSync(join(root, 'dist/environments/prod/orders'))).toBe(true);
    expect(existsSync(join(root, 'dist/environments/dev'))).toBe(false);
  });

  it('fails every task of the batch, with the error, and writes nothing when one package is bad', async () => {
    const root = fixture();
    writeWorkspace(root, { packages: { orders: webService('orders', { dependsOn: ['payments'] }) } });
    const errors: string[] = [];
    const results = await runSynthTasks(
      root,
      [
        { id: 'gateway:synth', options: { package: 'gateway' } },
        { id: 'orders:synth', options: { package: 'orders' } },
      ],
      { ...quiet, error: (line) => errors.push(line) },
    );
    expect(results['gateway:synth']!.success).toBe(false);
    expect(results['orders:synth']!.success).toBe(false);
    expect(errors.join('\n')).toContain('services/orders/deploy.ts: dependsOn.0: "payments" is not a package of this workspace');
    expect(existsSync(join(root, 'dist'))).toBe(false);
  });

  it("fails when dist cannot be written, saying why in the reader's words and that nothing was written", async () => {
    const root = fixture();
    // dist is a file: no folder can be made below it.
    writeFileSync(join(root, 'dist'), '');
    const errors: string[] = [];
    const results = await runSynthTasks(root, [{ id: 'orders:synth', options: { environment: 'prod', package: 'orders' } }], {
      ...quiet,
      error: (l) => errors.push(l),
    });
    expect(results['orders:synth']!.success).toBe(false);
    expect(errors.join('\n')).toMatch(
      /^synth failed: cannot create \S*dist\/environments: a path component is a file, not a folder \(ENOTDIR\); nothing was written$/m,
    );
    expect(errors.join('\n')).not.toMatch(/ENOENT|\n\s+at /);
  });
});
