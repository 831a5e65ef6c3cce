import { beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';
import { synthesize } from '@b2connect/k8s-lib/pipeline';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});
const ingress = (env: string, namespace?: string) => findObject(bundle(env), 'Ingress', 'b2connect', namespace);
const hostsOf = (i: KubeObject) => (i.spec as { rules: { host: string }[] }).rules.map((r) => r.host);
const PUBLIC = ['api.b2connect.com', 'www.b2connect.com', 'admin.b2connect.com'];
const PREVIEW = ['preview-api.b2connect.com', 'preview.b2connect.com', 'preview-admin.b2connect.com'];

describe('infra/ingress', () => {
  it('routes api.b2connect.com to the api-gateway of the live slot in prod, over TLS from letsencrypt-prod, redirecting HTTP', () => {
    const prod = ingress('prod', 'b2connect-blue');
    expect(prod.metadata.annotations).toEqual({
      'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
    });
    expect(prod.spec.ingressClassName).toBe('nginx');
    expect(prod.spec.tls).toEqual([{ hosts: [...PUBLIC, ...PREVIEW], secretName: 'b2connect-tls' }]);
    expect(prod.spec.rules[0]).toEqual({
      host: 'api.b2connect.com',
      http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api-gateway', port: { number: 80 } } } }] },
    });
    expect(
      prod.spec.rules.map((r: { http: { paths: { backend: { service: { name: string } } }[] } }) => r.http.paths[0]!.backend.service.name),
    ).toEqual(['api-gateway', 'storefront', 'admin-portal']);
  });

  it('routes the idle slot on the preview hosts, with the same certificate hosts, so that a switch issues no certificate', () => {
    const [blue, green] = [ingress('prod', 'b2connect-blue'), ingress('prod', 'b2connect-green')];
    expect(hostsOf(blue)).toEqual(PUBLIC); // live: blue
    expect(hostsOf(green)).toEqual(PREVIEW);
    expect(green.spec.tls).toEqual(blue.spec.tls);
    expect(bundle('prod').filter((o) => o.kind === 'Ingress')).toHaveLength(2);
  });

  it('has one Ingress in the platform namespace where there are no slots', () => {
    const staging = bundle('staging').filter((o) => o.kind === 'Ingress');
    expect(staging.map((o) => o.metadata.namespace)).toEqual(['b2connect']);
    expect(staging[0]!.spec).toMatchObject({
      tls: [{ hosts: ['api.staging.b2connect.com', 'www.staging.b2connect.com', 'admin.staging.b2connect.com'] }],
    });
    expect(bundle('staging').some((o) => o.kind === 'Job')).toBe(false);
  });

  it('smoke-tests the slot going live through its Services before the sync, as a restricted Job that reaches only that slot', () => {
    const job = findObject(bundle('prod'), 'Job', 'smoke-test');
    expect(job.metadata.namespace).toBe('ingress-nginx');
    expect(job.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'PreSync' });
    const pod = job.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.containers[0].image).toBe('registry.b2connect.com/b2connect/smoke-tests:1.0.0');
    expect(pod.containers[0].env).toEqual([
      { name: 'SMOKE_TEST_SLOT', value: 'blue' },
      { name: 'SMOKE_TEST_ADMIN_PORTAL_URL', value: 'http://admin-portal.b2connect-blue.svc:80' },
      { name: 'SMOKE_TEST_API_URL', value: 'http://api-gateway.b2connect-blue.svc:80' },
      { name: 'SMOKE_TEST_STOREFRONT_URL', value: 'http://storefront.b2connect-blue.svc:80' },
    ]);
    const policy = findObject(bundle('prod'), 'NetworkPolicy', 'smoke-test');
    expect(policy.spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b2connect-blue' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
      // The controller's namespace has no allow-dns policy, and prod's mesh (istio) needs istiod.
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }],
        ports: [{ protocol: 'TCP', port: 15012 }],
      },
    ]);
    expect(policy.spec.ingress).toBeUndefined();
  });

  it('opens the smoke tests the ports the public Services lead to', async () => {
    const root = resolve(__dirname, '../..');
    const result = await synthesize(root, {
      packages: ['api-gateway', 'storefront', 'admin-portal'],
      environments: ['prod'],
      load: (f) => import(/* @vite-ignore */ f),
    });
    const targetPorts = [...result.bundles.get('prod')!.values()]
      .flat()
      .filter((o) => o.kind === 'Service')
      .map((o) => (o.spec as { ports: { name: string; targetPort: number }[] }).ports.find((p) => p.name === 'http')!.targetPort);
    const ports = findObject(bundle('prod'), 'NetworkPolicy', 'smoke-test').spec.egress[0].ports.map((p: { port: number }) => p.port);
    expect(new Set(targetPorts)).toEqual(new Set(ports));
  }, 60_000);

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
