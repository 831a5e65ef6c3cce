import { cpSync, mkdtempSync, rmSync } from 'node:fs';

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBundles } from '@b2connect/k8s-lib';
import { importLoader, makeWorkspace, webService, writeWorkspace } from '../../../libs/k8s-lib/test/helpers';
import { diffBundles, isSecretPath, readBundleTree, renderMarkdown } from './diff';

async function constructedChange() {
  const root = makeWorkspace({
    packages: { orders: webService('orders', { autoscaling: { min: 2, max: 4 }, settings: { PageSize: '50' } }) },
  });
  await buildBundles(root, { load: importLoader });
  const base = mkdtempSync(join(tmpdir(), 'b2c-base-'));
  cpSync(join(root, 'dist/environments'), base, { recursive: true });
  // Change a setting, drop autoscaling (HPA pruned, replicas back), add a package.
  writeWorkspace(root, { packages: { orders: webService('orders', { settings: { PageSize: '60' } }), billing: webService('billing') } });
  await buildBundles(root, { load: importLoader });
  return { base, head: join(root, 'dist/environments') };
}

describe('bundle diff', () => {
  it('lists added, changed (field, old -> new) and pruned objects per environment and package', async () => {
    const { base, head } = await constructedChange();
    const changes = diffBundles(readBundleTree(base), readBundleTree(head));
    const prod = changes.filter((c) => c.env === 'prod');
    expect(prod.filter((c) => c.type === 'added').map((c) => `${c.pkg} ${c.object}`)).toContain('billing Deployment/billing');
    expect(prod.filter((c) => c.type === 'pruned').map((c) => `${c.pkg} ${c.object}`)).toEqual(['orders HorizontalPodAutoscaler/orders']);
    const cm = prod.find((c) => c.object === 'ConfigMap/orders-config')!;
    expect(cm.type).toBe('changed');
    expect(cm.fields).toContainEqual({ path: 'data.PageSize', before: '50', after: '60' });
    const deployment = prod.find((c) => c.object === 'Deployment/orders')!;
    expect(deployment.fields).toContainEqual({ path: 'spec.replicas', before: undefined, after: 3 });
  });

  it('prints Markdown grouped by environment and package', async () => {
    const { base, head } = await constructedChange();
    const md = renderMarkdown(diffBundles(readBundleTree(base), readBundleTree(head)));
    expect(md).toMatch(/^## Bundle diff: 1[0-9] added, [1-9] changed, 1 pruned\n/);
    expect(md).toContain('### prod\n\n#### billing\n\n- **added** `ConfigMap/billing-config`\n- **added** `Deployment/billing`');
    expect(md).toContain('- **changed** `ConfigMap/orders-config`\n  - `data.PageSize`: `50` → `60`');
    expect(md).toContain('- **pruned** `HorizontalPodAutoscaler/orders`');
  });

  it('never prints the values of secret-like fields', () => {
    const secretBase = new Map([['prod', new Map([['db', new Map([['Secret/db', { kind: 'Secret', data: { password: 'czNjcjN0' } }]])]])]]);
    const secretHead = new Map([['prod', new Map([['db', new Map([['Secret/db', { kind: 'Secret', data: { password: 'bmV3' } }]])]])]]);
    const md = renderMarkdown(diffBundles(secretBase, secretHead));
    expect(md).toContain('`data.password`: (hidden) → (hidden)');
    expect(md).not.toContain('czNjcjN0');
    expect(isSecretPath('ConfigMap/x', 'data.Jwt__SigningKey')).toBe(true);
    expect(isSecretPath('ConfigMap/x', 'data.PageSize')).toBe(false);
  });

  it('reports no change between identical bundles', async () => {
    const { head } = await constructedChange();
    expect(renderMarkdown(diffBundles(readBundleTree(head), readBundleTree(head)))).toBe(
      '## Bundle diff: 0 added, 0 changed, 0 pruned\n\nNo change.\n',
    );
  });

  it('treats a missing folder as an empty bundle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'b2c-empty-'));
    rmSync(dir, { recursive: true });
    expect(readBundleTree(dir).size).toBe(0);
  });
});
