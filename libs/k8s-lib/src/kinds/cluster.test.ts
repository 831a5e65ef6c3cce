import { describe, expect, it } from 'vitest';
import { synthesize } from '../write/bundle';
import { environment, importLoader, makeWorkspace, storeSource } from '../../test/helpers';

/** A cluster-level package whose namespace `tools` calls `reaches` (and, with `more`, further clients). */
const caller = (reaches: string[], more: object[] = []) =>
  `export default { kind: 'cluster', spec: { name: 'tools', team: 'platform', clients: () => ${JSON.stringify([{ namespace: 'tools', reaches }, ...more])}, build: () => undefined } };\n`;

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

  describe('under Istio', () => {
    const build = async (more: object[]) => {
      const root = makeWorkspace({
        environments: {
          prod: environment('prod', { capabilities: { rabbitmqOperator: true, cloudnativePg: true, serviceMesh: 'istio' } }),
        },
        packages: { tools: caller(['db'], more), db: storeSource('db') },
      });
      return (await synthesize(root, { load: importLoader })).bundles.get('prod')!.get('db')!;
    };
    const authz = (objects: readonly { kind: string; metadata: { name: string }; spec?: unknown }[]) =>
      objects.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'db')!.spec as { rules: unknown[] };

    it('admits a meshed client namespace by its mesh namespace, and takes no plain text', async () => {
      const objects = await build([]);
      expect(authz(objects).rules).toContainEqual({
        from: [{ source: { namespaces: ['tools'] } }],
        to: [{ operation: { ports: ['5432'] } }],
      });
      expect(objects.some((o) => o.kind === 'PeerAuthentication')).toBe(false);
    });

    it('accepts plain text from a client outside the mesh on its edge ports alone, from callers without an identity', async () => {
      const objects = await build([{ namespace: 'collector', reaches: ['db'], outsideMesh: true }]);
      const rules = authz(objects).rules;
      expect(rules).toContainEqual({ from: [{ source: { notPrincipals: ['*'] } }], to: [{ operation: { ports: ['5432'] } }] });
      // The meshed client keeps its rule; the outside one has no namespace rule (it never carries one).
      expect(rules).toContainEqual({ from: [{ source: { namespaces: ['tools'] } }], to: [{ operation: { ports: ['5432'] } }] });
      expect(rules).not.toContainEqual(expect.objectContaining({ from: [{ source: { namespaces: ['collector'] } }] }));
      const peer = objects.find((o) => o.kind === 'PeerAuthentication')!;
      expect(peer.metadata.name).toBe('db-plaintext-ports');
      const selector = objects.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'db')!.spec as { selector: unknown };
      expect(peer.spec).toEqual({
        selector: selector.selector,
        mtls: { mode: 'STRICT' },
        portLevelMtls: { '5432': { mode: 'PERMISSIVE' } },
      });
      // The NetworkPolicy restricts the source to that namespace.
      const policy = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'db')!;
      expect((policy.spec as { ingress: unknown[] }).ingress).toContainEqual({
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'collector' } } }],
        ports: [{ protocol: 'TCP', port: 5432 }],
      });
    });
  });
});
