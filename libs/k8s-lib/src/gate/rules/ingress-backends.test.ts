import { describe, expect, it } from 'vitest';
import { check, goodBundle } from '../../../test/gate-fixtures';
import { ingressBackends as rule } from './ingress-backends';

const ingress = (service: string, port: number) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'public' },
  spec: {
    rules: [
      {
        host: 'www.example.com',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: port } } } }] },
      },
    ],
  },
});

describe(rule.id, () => {
  it('stays quiet when the route goes to a Service port of the bundle', () => {
    expect(check(rule, [...goodBundle(), ingress('web', 80)])).toEqual([]);
  });

  it('fires when the Service is missing', () => {
    expect(check(rule, [...goodBundle(), ingress('wbe', 80)])[0]!.message).toBe(
      'route for www.example.com goes to Service "wbe", which is not in the bundle',
    );
  });

  it('fires when the port is not exposed', () => {
    expect(check(rule, [...goodBundle(), ingress('web', 8080)])[0]!.message).toBe(
      'route for www.example.com uses port 8080 of Service "web", which exposes 80',
    );
  });

  it('fires when the Service is only in another namespace (another blue-green slot), and stays quiet in its own', () => {
    const inSlot = (o: object, namespace: string) => ({ ...o, metadata: { ...(o as { metadata: object }).metadata, namespace } });
    const web = goodBundle().find((o) => o.kind === 'Service')!;
    const routed = inSlot(ingress('web', 80), 'b2connect-blue');
    expect(check(rule, [inSlot(web, 'b2connect-green'), routed])[0]!.message).toBe(
      'route for www.example.com goes to Service "web", which is not in the bundle in b2connect-blue',
    );
    expect(check(rule, [inSlot(web, 'b2connect-green'), inSlot(web, 'b2connect-blue'), routed])).toEqual([]);
  });
});
