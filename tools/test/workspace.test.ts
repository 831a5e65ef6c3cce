import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildBundles, CONFIG_NAME_ANNOTATION, synthesize, type KubeObject, type SynthesisResult } from '@b2connect/k8s-lib/pipeline';
import { edgesFromMermaid, edgesFromPolicies } from '../../libs/k8s-lib/test/network-edges';

/** The real workspace: every environment and every application package, as the main job builds them. */
const root = resolve(__dirname, '../..');
const kubectl = join(root, '.tools/bin/kubectl');
const load = (file: string) => import(/* @vite-ignore */ file);
const APPLICATION_PACKAGES = ['admin-portal', 'api-gateway', 'catalog', 'identity', 'notifications', 'orders', 'search', 'storefront'];
const STORE_PACKAGES = ['elasticsearch', 'postgres', 'rabbitmq', 'redis'];

let result: SynthesisResult;
beforeAll(async () => {
  result = await synthesize(root, { load });
}, 60_000);

const objects = (env: string): KubeObject[] => [...result.bundles.get(env)!.values()].flat();
const ofKind = (env: string, kind: string): any[] => objects(env).filter((o) => o.kind === kind);
/** Prod runs its stateless packages in two blue-green slots: `one` looks in the live one, blue. */
const SLOT: Record<string, string> = { prod: 'b2connect-blue' };
const one = (env: string, kind: string, name: string, namespace?: string): any => {
  const hits = objects(env).filter((o) => o.kind === kind && o.metadata.name === name);
  const inNamespace = hits.length > 1 ? hits.filter((o) => o.metadata.namespace === (namespace ?? SLOT[env])) : hits;
  expect(inNamespace, `${env} ${kind}/${name}`).toHaveLength(1);
  return inNamespace[0];
};
const configOf = (env: string, name: string): any => {
  const hits = objects(env).filter(
    (o) =>
      o.kind === 'ConfigMap' &&
      (o.metadata as any).annotations?.[CONFIG_NAME_ANNOTATION] === name &&
      o.metadata.namespace === (SLOT[env] ?? 'b2connect'),
  );
  expect(hits, `${env} ConfigMap ${name}`).toHaveLength(1);
  return hits[0];
};
/** The namespaces of an environment's stateless packages. */
const appNamespaces = (env: string) => (env === 'prod' ? ['b2connect-blue', 'b2connect-green'] : ['b2connect']);

describe('the workspace bundles', () => {
  it('put cluster-scoped objects outside any namespace, stateless packages in their slots and the rest in the platform namespace', () => {
    const clusterScoped = [
      'Namespace',
      'StorageClass',
      'ClusterSecretStore',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
      'ClusterIssuer',
      'ClusterRole',
      'ClusterRoleBinding',
    ];
    // infra/logging's own namespaces (decision 016); everything else lives in the platform namespace
    // or, in prod, in the blue-green slots' namespaces.
    const logging = ['log-collector', 'observability', 'b2connect'];
    for (const [env, pkgs] of result.bundles) {
      for (const [pkg, objs] of pkgs) {
        for (const o of objs) {
          // The GitOps engines' own objects; Argo Rollouts objects (same API group as Argo CD) belong with their service.
          if (['AppProject', 'Application', 'ApplicationSet', 'GitRepository', 'Kustomization'].includes(o.kind)) {
            expect(['argocd', 'flux-system']).toContain(o.metadata.namespace);
          } else if (clusterScoped.includes(o.kind)) expect(o.metadata, `${o.kind}/${o.metadata.name}`).not.toHaveProperty('namespace');
          else if (pkg === 'logging') expect(logging, `${env} ${o.kind}/${o.metadata.name}`).toContain(o.metadata.namespace);
          else if (o.metadata.name === 'smoke-test') expect(o.metadata.namespace).toBe('ingress-nginx');
          // The public Ingresses stay in the platform namespace, also with slots (ExternalName backends).
          else if (o.kind === 'Ingress') expect(o.metadata.namespace).toBe('b2connect');
          else expect(['b2connect', ...appNamespaces(env)], `${o.kind}/${o.metadata.name}`).toContain(o.metadata.namespace);
        }
      }
    }
  });

  it('cover the three environments, every application package, every store and the storage classes', () => {
    expect([...result.bundles.keys()].sort()).toEqual(['dev', 'prod', 'staging']);
    for (const env of result.bundles.values())
      expect([...env.keys()].sort()).toEqual(expect.arrayContaining([...APPLICATION_PACKAGES, ...STORE_PACKAGES, 'storage']));
  });

  it('dev is resource-constrained: one replica, no HPA, no PDB, debug logging', () => {
    expect(ofKind('dev', 'HorizontalPodAutoscaler')).toEqual([]);
    expect(ofKind('dev', 'PodDisruptionBudget')).toEqual([]);
    for (const d of ofKind('dev', 'Deployment')) expect(d.spec.replicas, d.metadata.name).toBe(1);
    for (const cm of ofKind('dev', 'ConfigMap').filter((c) => c.data?.ASPNETCORE_ENVIRONMENT)) {
      expect(cm.data).toMatchObject({ ASPNETCORE_ENVIRONMENT: 'Development', Logging__LogLevel__Default: 'Debug' });
    }
  });

  it('staging is production-like but smaller', () => {
    expect(one('staging', 'HorizontalPodAutoscaler', 'api-gateway').spec).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    const cpu = (env: string) => one(env, 'Deployment', 'orders').spec.template.spec.containers[0].resources.requests.cpu;
    expect(parseInt(cpu('staging'))).toBeLessThan(parseInt(cpu('prod')));
  });

  it('prod runs the api-gateway HPA of the platform document: 2..10 at 70% CPU', () => {
    const hpa = one('prod', 'HorizontalPodAutoscaler', 'api-gateway');
    expect(hpa.spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 70 } } }],
    });
    expect(one('prod', 'Deployment', 'api-gateway').spec).not.toHaveProperty('replicas');
  });

  it('prod is highly available: every workload has a PDB and spreads across nodes and zones', () => {
    for (const d of ofKind('prod', 'Deployment')) {
      one('prod', 'PodDisruptionBudget', d.metadata.name, d.metadata.namespace);
      expect(d.spec.template.spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual([
        'kubernetes.io/hostname',
        'topology.kubernetes.io/zone',
      ]);
    }
  });

  it('every container in every environment is restricted and pinned to the registry', () => {
    for (const env of result.bundles.keys()) {
      for (const d of ofKind(env, 'Deployment')) {
        for (const c of d.spec.template.spec.containers) {
          // The platform's own images, or third-party ones mirrored into the registry (elastic/kibana), pinned to a version.
          expect(c.image).toMatch(/^registry\.b2connect\.com\/[a-z0-9-]+\/[a-z0-9-]+:\d+\.\d+\.\d+$/);
          expect(c.securityContext).toMatchObject({
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            readOnlyRootFilesystem: true,
          });
        }
      }
    }
  });

  it('names every object explicitly after its package, a hash suffix on content-named configs only, in its namespace', () => {
    for (const [env, pkgs] of result.bundles) {
      for (const [pkg, objs] of pkgs) {
        const kind = result.workspace.packages.get(pkg)!.definition.kind;
        for (const o of objs) {
          if (kind === 'cluster') continue;
          const config = (o.metadata as any).annotations?.[CONFIG_NAME_ANNOTATION];
          if (config) expect(o.metadata.name, `${env} ${o.kind}`).toMatch(new RegExp(`^${config}-[0-9a-f]{10}$`));
          expect(config ?? o.metadata.name, `${env} ${o.kind}`).toMatch(new RegExp(`^${pkg}(-[a-z]+)*$`));
          const stateless = kind === 'web-service' || kind === 'frontend';
          // A store's credentials also sit beside its consumers in each slot.
          if (stateless || o.kind === 'ExternalSecret') expect(['b2connect', ...appNamespaces(env)]).toContain(o.metadata.namespace);
          else expect(o.metadata.namespace).toBe('b2connect');
          if (stateless) expect(appNamespaces(env)).toContain(o.metadata.namespace);
        }
      }
    }
  });

  it('never contains a Secret: credentials come from ExternalSecrets', () => {
    for (const env of result.bundles.keys()) {
      expect(ofKind(env, 'Secret')).toEqual([]);
      expect(ofKind(env, 'ExternalSecret').length).toBeGreaterThanOrEqual(4);
    }
  });

  it('runs every pod template of every workload kind under Pod Security "restricted"', () => {
    const podSpecs = (env: string) => [
      ...ofKind(env, 'Deployment').map((d) => d.spec.template.spec),
      ...ofKind(env, 'StatefulSet').map((d) => d.spec.template.spec),
      ...ofKind(env, 'CronJob').map((c) => c.spec.jobTemplate.spec.template.spec),
    ];
    for (const env of result.bundles.keys()) {
      for (const spec of podSpecs(env)) {
        expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          expect(c.securityContext, c.name).toMatchObject({
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            runAsNonRoot: true,
          });
          expect(c.resources.limits.memory, c.name).toBeDefined();
        }
      }
    }
  });

  it('wires each service to the stores it declares and to nothing else', () => {
    const config = (pkg: string) => configOf('prod', `${pkg}-config`).data;
    expect(config('catalog')).toMatchObject({
      Stores__Postgres__Host: 'postgres.b2connect.svc',
      Stores__Postgres__Port: '5432',
      Stores__Postgres__Database: 'b2connect',
    });
    expect(Object.keys(config('catalog')).filter((k) => k.startsWith('Stores__Redis'))).toEqual([]);
    expect(config('identity')).toMatchObject({
      Stores__Redis__Sentinels: 'redis-sentinel.b2connect.svc:26379',
      Stores__Redis__ServiceName: 'b2connect',
    });
    expect(config('search')).toMatchObject({ Stores__Elasticsearch__Host: 'elasticsearch.b2connect.svc' });
    expect(config('notifications')).toMatchObject({ Stores__Rabbitmq__Host: 'rabbitmq.b2connect.svc', Stores__Rabbitmq__VirtualHost: '/' });
    const env = one('prod', 'Deployment', 'orders').spec.template.spec.containers[0].env;
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'Stores__Postgres__Password', valueFrom: { secretKeyRef: { name: 'postgres-credentials', key: 'password' } } },
        { name: 'Stores__Rabbitmq__Username', valueFrom: { secretKeyRef: { name: 'rabbitmq-credentials', key: 'username' } } },
      ]),
    );
  });
});

describe('the written bundles', () => {
  let outA: string;
  beforeAll(async () => {
    outA = mkdtempSync(join(tmpdir(), 'b2c-bundle-'));
    await buildBundles(root, { load, outDir: outA });
  }, 60_000);

  it('are byte-identical across runs', async () => {
    const outB = mkdtempSync(join(tmpdir(), 'b2c-bundle-'));
    await buildBundles(root, { load, outDir: outB });
    const read = (dir: string) =>
      Object.fromEntries(
        readdirSync(dir, { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => [join(e.parentPath, e.name).slice(dir.length), readFileSync(join(e.parentPath, e.name), 'utf8')]),
      );
    expect(read(outB)).toEqual(read(outA));
  });

  // The graph is the platform namespace's and its slots': the namespaces of cluster-level packages
  // (infra/logging's) appear on it as callers, and their own policies are the package's
  // (infra/logging/deploy.test.ts).
  const platform = (env: string) => objects(env).filter((o) => ['b2connect', ...appNamespaces(env)].includes(o.metadata.namespace ?? ''));

  it('carry a network diagram that describes the same graph as the NetworkPolicies', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const policies = edgesFromPolicies(platform(env));
      const diagram = edgesFromMermaid(readFileSync(join(outA, env, 'network.md'), 'utf8'));
      expect([...diagram].sort()).toEqual([...new Set([...policies.ingress, ...policies.egress])].sort());
      // Pod-to-pod edges are open on both ends.
      for (const e of policies.egress) if (/^pods:.* -> pods:/.test(e)) expect(policies.ingress, e).toContain(e);
    }
  });

  it('carry Istio AuthorizationPolicies in prod that admit exactly the callers the NetworkPolicies admit', () => {
    const policies = edgesFromPolicies(platform('prod'));
    // A principal or policy of a slot namespace is the slot's node (`name@slot`), as in the graph.
    const slotOf = (ns: string) => (ns === 'b2connect' ? '' : `@${ns.slice('b2connect-'.length)}`);
    const sa = (principal: string) => {
      const [, ns, name] = /^cluster\.local\/ns\/([^/]+)\/sa\/(.+)$/.exec(principal)!;
      return `${name}${slotOf(ns!)}`;
    };
    const fromAuthz = new Set<string>();
    const plaintext = new Set<string>();
    for (const authz of ofKind('prod', 'AuthorizationPolicy')) {
      expect(authz.spec.action).toBe('ALLOW');
      for (const rule of authz.spec.rules) {
        const src = rule.from[0].source;
        const ports = rule.to[0].operation.ports.join(',');
        // A caller without a mesh identity: only "no principal" matches it.
        if (src.notPrincipals) {
          expect(src.notPrincipals).toEqual(['*']);
          plaintext.add(`pods:${authz.metadata.name}${slotOf(authz.metadata.namespace)} :${ports}`);
        }
        const from = src.principals ? `sa:${sa(src.principals[0])}` : src.namespaces ? `ns:${src.namespaces[0]}` : 'no-identity';
        fromAuthz.add(`${from} -> pods:${authz.metadata.name}${slotOf(authz.metadata.namespace)} :${ports}`);
      }
    }
    // Namespaces of the bundle that turn injection off call without an identity.
    const outsideMesh = new Set(
      ofKind('prod', 'Namespace')
        .filter((n) => n.metadata.labels?.['istio-injection'] === 'disabled')
        .map((n) => n.metadata.name),
    );
    expect([...outsideMesh]).toEqual(['log-collector']);
    // Service accounts are named after the pods' node, except the operator-made RabbitMQ nodes and the
    // migration pods, which run as their service.
    const serviceAccount = (id: string) => (id === 'rabbitmq' ? 'rabbitmq-server' : id.replace(/-migrate(@|$)/, '$1'));
    const expected = new Set(
      [...policies.ingress].map((e) =>
        e
          .replace(/^pods:(\S+)/, (_, id: string) => `sa:${serviceAccount(id)}`)
          .replace(/^ns:(\S+)/, (whole, ns: string) => (outsideMesh.has(ns) ? 'no-identity' : whole)),
      ),
    );
    expect([...fromAuthz].sort()).toEqual([...expected].sort());
    // Plain text is accepted on exactly the ports callers without identity reach, on exactly those pods.
    const permissive = new Set(
      ofKind('prod', 'PeerAuthentication')
        .filter((p) => p.spec.portLevelMtls)
        .map((p) => {
          const authz = ofKind('prod', 'AuthorizationPolicy').find(
            (a) => JSON.stringify(a.spec.selector) === JSON.stringify(p.spec.selector),
          )!;
          expect(p.spec.mtls).toEqual({ mode: 'STRICT' });
          return `pods:${authz.metadata.name} :${Object.keys(p.spec.portLevelMtls).join(',')}`;
        }),
    );
    expect([...permissive].sort()).toEqual([...plaintext].sort());
    expect([...plaintext]).toEqual(['pods:elasticsearch :9200']);
    expect(one('prod', 'DestinationRule', 'catalog').spec.trafficPolicy.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
    expect(ofKind('staging', 'AuthorizationPolicy')).toEqual([]);
    expect(ofKind('dev', 'DestinationRule')).toEqual([]);
  });

  it('render with `kubectl kustomize` for every environment, object for object', () => {
    expect(existsSync(kubectl), 'kubectl is missing: run scripts/install-kube-tools.sh (npm test runs it first)').toBe(true);
    for (const env of ['dev', 'staging', 'prod']) {
      const out = execFileSync(kubectl, ['kustomize', join(outA, env)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      const rendered = parseAllDocuments(out).map((d) => d.toJS() as KubeObject);
      expect(rendered.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
        objects(env)
          .map((o) => `${o.kind}/${o.metadata.name}`)
          .sort(),
      );
    }
  });
});
