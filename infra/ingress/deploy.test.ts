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
  const backendsOf = (i: KubeObject) =>
    (i.spec as { rules: { http: { paths: { backend: { service: { name: string } } }[] } }[] }).rules.map(
      (r) => r.http.paths[0]!.backend.service.name,
    );
  const aliases = (env: string) =>
    Object.fromEntries(
      bundle(env)
        .filter((o) => o.kind === 'Service')
        .map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, (o.spec as { type: string; externalName: string }).externalName]),
    );

  it('routes api.b2connect.com in prod through the platform namespace to the api-gateway of the live slot, over TLS from letsencrypt-prod, redirecting HTTP', () => {
    const prod = ingress('prod', 'b2connect');
    expect(prod.metadata.annotations).toEqual({
      'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
    });
    expect(prod.spec.ingressClassName).toBe('nginx');
    expect(prod.spec.tls).toEqual([{ hosts: PUBLIC, secretName: 'b2connect-tls' }]);
    expect(prod.spec.rules[0]).toEqual({
      host: 'api.b2connect.com',
      http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api-gateway-blue', port: { number: 80 } } } }] },
    });
    expect(backendsOf(prod)).toEqual(['api-gateway-blue', 'storefront-blue', 'admin-portal-blue']);
    // The backends are ExternalName Services of the platform namespace naming the live slot's (blue's) Services.
    const gateway = findObject(bundle('prod'), 'Service', 'api-gateway-blue', 'b2connect');
    expect(gateway.spec).toEqual({
      type: 'ExternalName',
      externalName: 'api-gateway.b2connect-blue.svc.cluster.local',
      // ingress-nginx connects to the externalName on targetPort: the slot Service's port.
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 80 }],
    });
  });

  it('routes the idle slot on the preview hosts from a second Ingress of the platform namespace, with a certificate of its own', () => {
    const preview = findObject(bundle('prod'), 'Ingress', 'b2connect-preview', 'b2connect');
    expect(hostsOf(preview)).toEqual(PREVIEW);
    expect(preview.spec.tls).toEqual([{ hosts: PREVIEW, secretName: 'b2connect-preview-tls' }]);
    expect(backendsOf(preview)).toEqual(['api-gateway-green', 'storefront-green', 'admin-portal-green']);
    // One alias per slot and Service, each naming its own slot's Service whichever slot is live.
    expect(aliases('prod')).toEqual({
      'b2connect/api-gateway-blue': 'api-gateway.b2connect-blue.svc.cluster.local',
      'b2connect/storefront-blue': 'storefront.b2connect-blue.svc.cluster.local',
      'b2connect/admin-portal-blue': 'admin-portal.b2connect-blue.svc.cluster.local',
      'b2connect/api-gateway-green': 'api-gateway.b2connect-green.svc.cluster.local',
      'b2connect/storefront-green': 'storefront.b2connect-green.svc.cluster.local',
      'b2connect/admin-portal-green': 'admin-portal.b2connect-green.svc.cluster.local',
    });
    // No Ingress in a slot namespace: no two namespaces ever hold one host, so the admission webhook has nothing to refuse.
    expect(
      bundle('prod')
        .filter((o) => o.kind === 'Ingress')
        .map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
    ).toEqual(['b2connect/b2connect', 'b2connect/b2connect-preview']);
  });

  it('has one Ingress in the platform namespace where there are no slots', () => {
    const staging = bundle('staging').filter((o) => o.kind === 'Ingress');
    expect(staging.map((o) => o.metadata.namespace)).toEqual(['b2connect']);
    expect(staging[0]!.spec).toMatchObject({
      tls: [{ hosts: ['api.staging.b2connect.com', 'www.staging.b2connect.com', 'admin.staging.b2connect.com'] }],
    });
    expect(bundle('staging').some((o) => o.kind === 'Job')).toBe(false);
    expect(backendsOf(staging[0]!)).toEqual(['api-gateway', 'storefront', 'admin-portal']);
    expect(bundle('staging').some((o) => o.kind === 'Service')).toBe(false);
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

  it('reaches, through each ExternalName Service, pods whose NetworkPolicy and AuthorizationPolicy admit the ingress controller on the port behind the slot Service', async () => {
    const root = resolve(__dirname, '../..');
    const result = await synthesize(root, {
      packages: ['api-gateway', 'storefront', 'admin-portal'],
      environments: ['prod'],
      load: (f) => import(/* @vite-ignore */ f),
    });
    const objects = [...result.bundles.get('prod')!.values()].flat();
    const aliasesOf = bundle('prod').filter((o) => o.kind === 'Service');
    expect(aliasesOf).toHaveLength(6);
    for (const alias of aliasesOf) {
      const { externalName, ports } = alias.spec as { externalName: string; ports: { targetPort: number }[] };
      const [name, namespace] = externalName.split('.');
      const service = findObject(objects, 'Service', name!, namespace);
      const port = (service.spec as { ports: { port: number; targetPort: number }[] }).ports.find((p) => p.port === ports[0]!.targetPort)!;
      expect(port).toBeDefined();
      const policy = findObject(objects, 'NetworkPolicy', name!, namespace);
      expect(policy.spec.ingress).toContainEqual({
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
        ports: [{ protocol: 'TCP', port: port.targetPort }],
      });
      const authz = findObject(objects, 'AuthorizationPolicy', name!, namespace);
      expect(authz.spec.rules).toContainEqual({
        from: [{ source: { namespaces: ['ingress-nginx'] } }],
        to: [{ operation: { ports: [String(port.targetPort)] } }],
      });
    }
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
