import { beforeAll, describe, expect, it } from 'vitest';
import { synthesize, type SynthesisResult } from '../write/bundle';
import { parseEnvironment } from '../config/environment';
import { environment, importLoader, makeWorkspace, storeSource, webService } from '../../test/helpers';
import type { KubeObject } from '../kube-object';

type Any = any;

const SLOTS = {
  names: ['blue', 'green'],
  live: 'blue',
  previewHosts: {
    api: 'preview-api.prod.example.com',
    storefront: 'preview.prod.example.com',
    adminPortal: 'preview-admin.prod.example.com',
  },
};
const prod = environment('prod', { slots: SLOTS, capabilities: { serviceMesh: 'istio' } } as never);

let result: SynthesisResult;
const objects = (pkg: string): KubeObject[] => [...(result.bundles.get('prod')!.get(pkg) ?? [])];
const named = (pkg: string, kind: string, name: string): Any[] => objects(pkg).filter((o) => o.kind === kind && o.metadata.name === name);
const inNamespace = (pkg: string, kind: string, name: string, namespace: string): Any => {
  const hits = named(pkg, kind, name).filter((o) => o.metadata.namespace === namespace);
  expect(hits, `${kind}/${name} in ${namespace}`).toHaveLength(1);
  return hits[0];
};
const namespaceOf = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
const pods = (name: string) => ({ matchLabels: { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': name } });

beforeAll(async () => {
  const root = makeWorkspace({
    environments: { prod },
    packages: {
      db: storeSource('db'),
      orders: webService('orders', { dependsOn: ['db'] }),
      api: webService('api', { component: 'api-gateway', dependsOn: ['orders'] }),
    },
  });
  result = await synthesize(root, { load: importLoader });
}, 60_000);

describe('blue-green slots', () => {
  it('run every stateless package once per slot, in the slot namespace, and every store once, in the shared namespace', () => {
    for (const pkg of ['orders', 'api']) {
      expect(
        named(pkg, 'Deployment', pkg)
          .map((o) => o.metadata.namespace)
          .sort(),
      ).toEqual(['b2connect-blue', 'b2connect-green']);
    }
    const credentials = named('db', 'ExternalSecret', 'db-credentials');
    // One store; its credentials beside it and beside each slot's consumers, from one backend key.
    expect(objects('db').filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'db')).toHaveLength(1);
    expect(objects('db').every((o) => o.metadata.name !== 'db' || o.metadata.namespace === 'b2connect')).toBe(true);
    expect(credentials.map((o) => o.metadata.namespace).sort()).toEqual(['b2connect', 'b2connect-blue', 'b2connect-green']);
    expect(new Set(credentials.map((o) => JSON.stringify(o.spec))).size).toBe(1);
  });

  it("give each slot's services the endpoints of their own slot, and the shared store's", () => {
    for (const slot of ['blue', 'green']) {
      const config = objects('api').find((o: Any) => o.kind === 'ConfigMap' && o.metadata.namespace === `b2connect-${slot}`) as Any;
      expect(config.data.Services__Orders).toBe(`http://orders.b2connect-${slot}.svc:80`);
    }
  });

  it("write both slots' NetworkPolicies from one graph: each slot reaches its own services and the shared store, nothing else", () => {
    for (const slot of ['blue', 'green']) {
      const ns = `b2connect-${slot}`;
      const orders = inNamespace('orders', 'NetworkPolicy', 'orders', ns);
      // From the api of the same slot (same namespace: a pod selector), to the store in the shared namespace.
      expect(orders.spec.ingress).toContainEqual({ from: [{ podSelector: pods('api') }], ports: [{ protocol: 'TCP', port: 8080 }] });
      expect(orders.spec.egress).toEqual([
        { to: [{ ...namespaceOf('b2connect'), podSelector: pods('db') }], ports: [{ protocol: 'TCP', port: 5432 }] },
      ]);
      const api = inNamespace('api', 'NetworkPolicy', 'api', ns);
      expect(api.spec.ingress).toContainEqual({ from: [namespaceOf('ingress-nginx')], ports: [{ protocol: 'TCP', port: 8080 }] });
      expect(JSON.stringify(api.spec)).not.toContain(slot === 'blue' ? 'b2connect-green' : 'b2connect-blue');
    }
    const db = inNamespace('db', 'NetworkPolicy', 'db', 'b2connect');
    // Its consumers in both slots, by namespace and pods; its backups, shared like it, by pods.
    expect(db.spec.ingress).toEqual([
      { from: [{ podSelector: pods('db-backup') }], ports: [{ protocol: 'TCP', port: 5432 }] },
      ...['blue', 'green'].map((slot) => ({
        from: [{ ...namespaceOf(`b2connect-${slot}`), podSelector: pods('orders') }],
        ports: [{ protocol: 'TCP', port: 5432 }],
      })),
    ]);
  });

  it("write both slots' mesh policies: the store admits each slot's identity, a slot's service the same slot's callers", () => {
    const db = inNamespace('db', 'AuthorizationPolicy', 'db', 'b2connect');
    expect(db.spec.rules.map((r: Any) => r.from[0].source.principals[0])).toEqual([
      'cluster.local/ns/b2connect/sa/db-backup',
      'cluster.local/ns/b2connect-blue/sa/orders',
      'cluster.local/ns/b2connect-green/sa/orders',
    ]);
    const orders = inNamespace('orders', 'AuthorizationPolicy', 'orders', 'b2connect-green');
    expect(orders.spec.rules.map((r: Any) => r.from[0].source.principals?.[0] ?? r.from[0].source.namespaces[0])).toContain(
      'cluster.local/ns/b2connect-green/sa/api',
    );
    expect(inNamespace('orders', 'DestinationRule', 'orders', 'b2connect-green').spec.host).toBe(
      'orders.b2connect-green.svc.cluster.local',
    );
  });
});

describe('environment slots', () => {
  const parse = (slots: unknown) => () => parseEnvironment({ ...prod, slots }, 'environments/prod.yaml');

  it('fails when the live slot is not one of the slots, naming the field', () => {
    expect(parse({ ...SLOTS, live: 'red' })).toThrow('environments/prod.yaml: slots.live: "red" is not one of the slots (blue, green)');
  });

  it('fails when a preview host is a public host, or the slots are not two different names', () => {
    let error: unknown;
    try {
      parse({ ...SLOTS, names: ['blue', 'blue'], previewHosts: { ...SLOTS.previewHosts, api: 'api.prod.example.com' } })();
    } catch (e) {
      error = e;
    }
    expect(String(error)).toContain('slots.names: must name two different slots');
    expect(String(error)).toContain('slots.previewHosts.api: "api.prod.example.com" is a public host of ingress.hosts');
  });

  it('takes two slots with a live one and preview hosts', () => {
    expect(parse(SLOTS)().slots).toMatchObject({ names: ['blue', 'green'], live: 'blue' });
  });
});
