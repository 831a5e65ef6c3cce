import { beforeAll, describe, expect, it } from 'vitest';
import { findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});
const ingress = (env: string) => findObject(bundle(env), 'Ingress', 'b2connect');

describe('infra/ingress', () => {
  it('routes api.b2connect.com to the api-gateway in prod, over TLS from letsencrypt-prod, redirecting HTTP', () => {
    const prod = ingress('prod');
    expect(prod.metadata.annotations).toEqual({
      'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
    });
    expect(prod.spec.ingressClassName).toBe('nginx');
    expect(prod.spec.tls).toEqual([
      { hosts: ['api.b2connect.com', 'www.b2connect.com', 'admin.b2connect.com'], secretName: 'b2connect-tls' },
    ]);
    expect(prod.spec.rules[0]).toEqual({
      host: 'api.b2connect.com',
      http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api-gateway', port: { number: 80 } } } }] },
    });
    expect(
      prod.spec.rules.map((r: { http: { paths: { backend: { service: { name: string } } }[] } }) => r.http.paths[0]!.backend.service.name),
    ).toEqual(['api-gateway', 'storefront', 'admin-portal']);
  });

  it('uses per-environment hosts and the staging issuer outside prod', () => {
    expect(ingress('staging').spec.rules[0].host).toBe('api.staging.b2connect.com');
    expect(ingress('dev').metadata.annotations).toMatchObject({ 'cert-manager.io/cluster-issuer': 'letsencrypt-staging' });
  });

  it("emits both Let's Encrypt ClusterIssuers, solving HTTP-01 through the nginx class", () => {
    const prodIssuer = findObject(bundle('prod'), 'ClusterIssuer', 'letsencrypt-prod');
    expect(prodIssuer.spec.acme).toMatchObject({
      server: 'https://acme-v02.api.letsencrypt.org/directory',
      email: 'platform@b2connect.com',
    });
    expect(prodIssuer.spec.acme.solvers).toEqual([{ http01: { ingress: { ingressClassName: 'nginx' } } }]);
    expect(findObject(bundle('prod'), 'ClusterIssuer', 'letsencrypt-staging').spec.acme.server).toContain('acme-staging');
  });
});
