import { describe, expect, it } from 'vitest';
import { synthesize } from '../write/bundle';
import { environment, importLoader, makeWorkspace, storeSource } from '../../test/helpers';

/** A cluster-level package whose namespace `tools` calls `reaches`. */
const caller = (reaches: string[]) =>
  `export default { kind: 'cluster', spec: { name: 'tools', team: 'platform', clients: () => [{ namespace: 'tools', reaches: ${JSON.stringify(reaches)} }], build: () => undefined } };\n`;

describe('cluster-level packages: clients', () => {
  it("puts the package's namespace on the graph as a caller of the named package's served ports", async () => {
    const root = makeWorkspace({ environments: { dev: environment('dev') }, packages: { tools: caller(['db']), db: storeSource('db') } });
    const { bundles } = await synthesize(root, { load: importLoader });
    const policy = bundles
      .get('dev')!
      .get('db')!
      .find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'db')!;
    expect((policy.spec as { ingress: unknown[] }).ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tools' } } }],
      ports: [{ protocol: 'TCP', port: 5432 }],
    });
  });

  it('fails when a client reaches a package that serves no port, naming the field and the known ones', async () => {
    const root = makeWorkspace({
      environments: { dev: environment('dev') },
      packages: { tools: caller(['nothing']), db: storeSource('db') },
    });
    await expect(synthesize(root, { load: importLoader })).rejects.toThrow(
      'services/tools/deploy.ts: clients: [dev] "nothing" is not a package that serves a port (known: db)',
    );
  });
});
