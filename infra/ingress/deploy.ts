import {
  defineClusterPackage,
  PUBLIC_INGRESS_NAME,
  resourcesFor,
  slotNamespace,
  SmokeTest,
  type ClusterPackageContext,
} from '@b2connect/k8s-lib';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';

const ACME = {
  'letsencrypt-prod': 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

export default defineClusterPackage({
  name: 'ingress',
  team: 'edge',
  description:
    "Public entry: one nginx Ingress (one per blue-green slot: the live slot on the public hosts, the idle one on the preview hosts), TLS from cert-manager's Let's Encrypt issuers, to the api-gateway and the frontends.",
  dependsOn: ['api-gateway', 'storefront', 'admin-portal'],
  build: (scope, ctx) => {
    const { ingress, namespace } = { ingress: ctx.env.ingress, namespace: ctx.env.namespace };
    // Both issuers exist everywhere; the environment picks the one its certificates use.
    for (const [name, server] of Object.entries(ACME)) {
      new ApiObject(scope, name, {
        apiVersion: 'cert-manager.io/v1',
        kind: 'ClusterIssuer',
        metadata: { name, labels: { ...ctx.labels } },
        spec: {
          acme: {
            server,
            email: ingress.acmeEmail,
            privateKeySecretRef: { name: `${name}-account-key` },
            solvers: [{ http01: { ingress: { ingressClassName: ingress.className } } }],
          },
        },
      });
    }
    const { hosts } = ingress;
    const services = { api: 'api-gateway', storefront: 'storefront', adminPortal: 'admin-portal' } as const;
    const routes = (to: typeof hosts): [string, string][] => [
      [to.api, services.api],
      [to.storefront, services.storefront],
      [to.adminPortal, services.adminPortal],
    ];
    const slots = ctx.env.slots;
    if (!slots) {
      publicIngress(scope, 'Ingress', ctx, namespace, routes(hosts), Object.values(hosts));
      return;
    }
    // One Ingress per slot, in the slot's namespace (a backend is a Service of the Ingress's own
    // namespace). A switch swaps their rules and nothing else: both certificates name every host, so
    // no certificate is issued again when the live slot changes.
    const everyHost = [...Object.values(hosts), ...Object.values(slots.previewHosts)];
    for (const slot of slots.names) {
      const to = slot === slots.live ? hosts : slots.previewHosts;
      publicIngress(scope, `Ingress-${slot}`, ctx, slotNamespace(ctx.env, slot), routes(to), everyHost);
    }
    const smoke = slots.smokeTest;
    if (smoke) {
      // Tests the slot going live through its own Services, before the Ingresses change; it runs
      // where the ingress controller runs and reaches what the controller reaches, nothing more.
      const target = slotNamespace(ctx.env, slots.live);
      new SmokeTest(scope, 'SmokeTest', {
        namespace: ctx.env.network.ingressNamespace,
        image: `${ctx.env.images.registry}/${smoke.image.repository}:${smoke.image.tag}`,
        command: smoke.command,
        slot: slots.live,
        targetNamespace: target,
        targets: Object.fromEntries(
          Object.entries(services).map(([key, service]) => [
            key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase(),
            `http://${service}.${target}.svc:80`,
          ]),
        ),
        ports: SMOKE_TEST_PORTS,
        timeoutSeconds: smoke.timeoutSeconds,
        resources: resourcesFor(ctx.env.sizeProfile, 'small'),
        mesh: ctx.env.capabilities.serviceMesh,
        podAnnotations: ctx.env.capabilities.serviceMesh === 'istio' ? { 'sidecar.istio.io/nativeSidecar': 'true' } : {},
        labels: { ...ctx.labels, 'app.kubernetes.io/component': 'smoke-test' },
      });
    }
  },
});

/**
 * The container ports behind the public Services (api-gateway 8080, the nginx frontends 8080): what the
 * smoke tests' egress opens.
 */
const SMOKE_TEST_PORTS = [8080];

/** The public Ingress of one namespace: `routes` (host, Service), TLS for `tlsHosts`. */
function publicIngress(
  scope: Construct,
  id: string,
  ctx: ClusterPackageContext,
  namespace: string,
  routes: readonly [string, string][],
  tlsHosts: readonly string[],
): void {
  const { ingress } = ctx.env;
  // NGINX canaries of the public services clone this Ingress by name.
  new k8s.KubeIngress(scope, id, {
    metadata: {
      name: PUBLIC_INGRESS_NAME,
      namespace,
      labels: { ...ctx.labels },
      annotations: {
        'cert-manager.io/cluster-issuer': ingress.tlsIssuer,
        'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
        'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
      },
    },
    spec: {
      ingressClassName: ingress.className,
      tls: [{ hosts: [...tlsHosts], secretName: 'b2connect-tls' }],
      rules: routes.map(([host, service]) => ({
        host,
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] },
      })),
    },
  });
}
