import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBundles } from './bundle';
import { environment, importLoader, makeWorkspace, webService, writeWorkspace } from '../../test/helpers';
import { edgesFromMermaid, edgesFromPolicies } from '../../test/network-edges';

const store = `export default { kind: 'store', spec: {
  name: 'db', team: 'data', component: 'database', image: { repository: 'library/postgres', tag: '16.4' }, port: 5432,
  credentials: { remoteKey: 'db' }, storage: { size: '1Gi' },
  network: () => ({ peerPorts: [5432] }),
  build: () => undefined,
} };
`;

const workspace = () =>
  makeWorkspace({
    environments: { prod: environment('prod') },
    packages: {
      gateway: webService('gateway', { component: 'api-gateway', dependsOn: ['orders'] }),
      orders: webService('orders', { dependsOn: ['db'] }),
      db: store,
    },
  });

async function build(root: string) {
  const { bundles } = await buildBundles(root, { load: importLoader });
  const objects = [...bundles.get('prod')!.values()].flat();
  return {
    policies: edgesFromPolicies(objects),
    diagram: edgesFromMermaid(readFileSync(join(root, 'dist/environments/prod/network.md'), 'utf8')),
  };
}

describe('network policies from the dependency graph', () => {
  it('open exactly the declared paths, in both directions of each pod-to-pod edge', async () => {
    const { policies } = await build(workspace());
    expect([...policies.ingress].sort()).toEqual([
      'ns:ingress-nginx -> pods:gateway :8080',
      'ns:monitoring -> pods:gateway :9090',
      'ns:monitoring -> pods:orders :9090',
      'pods:db -> pods:db :5432',
      'pods:db-backup -> pods:db :5432',
      'pods:gateway -> pods:orders :8080',
      'pods:orders -> pods:db :5432',
    ]);
    expect([...policies.egress].sort()).toEqual([
      'pods:db -> pods:db :5432',
      'pods:db-backup -> pods:db :5432',
      'pods:gateway -> pods:orders :8080',
      'pods:orders -> pods:db :5432',
    ]);
  });

  it('and the diagram in the bundle describes the same graph', async () => {
    const { policies, diagram } = await build(workspace());
    expect([...diagram].sort()).toEqual([...new Set([...policies.ingress, ...policies.egress])].sort());
  });

  it('close a path in the next bundle when its dependsOn entry is removed', async () => {
    const root = workspace();
    await build(root);
    writeWorkspace(root, { environments: { prod: environment('prod') }, packages: { orders: webService('orders') } });
    const { policies, diagram } = await build(root);
    for (const edges of [policies.ingress, policies.egress, diagram])
      expect([...edges].filter((e) => e.includes('pods:orders -> pods:db'))).toEqual([]);
  });
});
