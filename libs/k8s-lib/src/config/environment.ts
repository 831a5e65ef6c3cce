import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { dnsLabel } from './definition';
import { credentialIn, hasCredentials } from './secrets';

export { hasCredentials } from './secrets';

/** Size profiles map a package's size (small, medium, large) to requests and limits. */
export const SIZE_PROFILES = ['constrained', 'standard', 'production'] as const;
export type SizeProfile = (typeof SIZE_PROFILES)[number];

/** Storage classes every environment defines (the infra/storage package emits them). */
export const STORAGE_CLASSES = ['standard', 'fast-ssd', 'regional'] as const;
export type StorageClassName = (typeof STORAGE_CLASSES)[number];

const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR such as 10.0.0.1/32');

const storageSize = z.string().regex(/^[1-9][0-9]*(Mi|Gi|Ti)$/, 'must be a size such as 10Gi');

const StorageClassSpec = z.strictObject({
  provisioner: z.string().min(1).describe('CSI provisioner, for example disk.csi.azure.com.'),
  parameters: z.record(z.string(), z.string()).default({}).describe('Provisioner parameters (disk SKU, replication).'),
  reclaimPolicy: z.enum(['Delete', 'Retain']).default('Retain').describe('What happens to a volume when its claim is deleted.'),
});

/** ASP.NET Core log levels, as the services read them from `Logging__LogLevel__Default`. */
export const LOG_LEVELS = ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical'] as const;

/** GitOps engines infra/gitops emits objects for; `none` emits nothing. */
export const GITOPS_ENGINES = ['argocd', 'flux', 'none'] as const;
export type GitOpsEngine = (typeof GITOPS_ENGINES)[number];

/** Name of the public Ingress (the ingress package's): NGINX canaries of public services clone it. */
export const PUBLIC_INGRESS_NAME = 'b2connect';

/** Prometheus of an environment, for canary analyses. */
export function prometheusUrl(env: {
  readonly network: { readonly monitoringNamespace: string; readonly prometheusUrl?: string };
}): string {
  return env.network.prometheusUrl ?? `http://prometheus-operated.${env.network.monitoringNamespace}.svc:9090`;
}

/** The Secret (namespace flux-system) the Flux GitRepository reads the repository credentials from. */
export const GITOPS_CREDENTIALS_SECRET = 'b2connect-gitops';

const HOST = z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a host name');

/** What Argo CD and Flux read: Flux's GitRepository CRD requires `^(http|https|ssh)://.*$`. */
const GIT_URL = /^(http|https|ssh):\/\/.*$/;

function isUrl(value: string): boolean {
  try {
    return new URL(value).host !== '';
  } catch {
    return false;
  }
}

/** A branch name git accepts (`git check-ref-format --branch`). */
export function isBranchName(name: string): boolean {
  return (
    name.length > 0 &&
    name !== '@' &&
    !name.startsWith('-') &&
    // No control characters, spaces or DEL, and none of ~ ^ : ? * [ \
    ![...name].some((c) => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f) &&
    !/[~^:?*[\\]/.test(name) &&
    !name.includes('..') &&
    !name.includes('@{') &&
    !name.includes('//') &&
    !name.startsWith('/') &&
    !name.endsWith('/') &&
    !name.endsWith('.') &&
    name.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'))
  );
}

/** An http(s) URL of scheme, host and port only (no path, query or fragment), as the log shippers take it. */
const originUrl = z.url({ protocol: /^https?$/ }).refine((v) => {
  try {
    const u = new URL(v);
    return (u.pathname === '/' || u.pathname === '') && u.search === '' && u.hash === '';
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL of a host and an optional port, without path, query or fragment');

/** Where the logs and traces are stored. */
const LogStoreSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('platform').describe('The platform Elasticsearch of services/elasticsearch.') }),
  z.strictObject({
    type: z.literal('external').describe('An Elasticsearch outside the cluster (a managed service).'),
    url: originUrl.describe('Its HTTP endpoint, for example https://logs.b2connect.com:9243; never with credentials.'),
    cidr: cidr.describe('Its address range, for the NetworkPolicies of the log shippers.'),
    version: z
      .string()
      .regex(/^[0-9]+\.[0-9]+\.[0-9]+$/, 'must be a version such as 8.15.3')
      .describe('Its Elasticsearch version: Kibana runs the same.'),
  }),
]);

/**
 * An environment file (`environments/<name>.yaml`): cluster-wide globals only, no logic.
 */
export const EnvironmentSchema = z
  .strictObject({
    name: dnsLabel.describe('Environment name; must equal the file name.'),
    namespace: dnsLabel.describe('Namespace every application package is deployed into.'),
    domain: z
      .string()
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, 'must be a DNS domain such as b2connect.com')
      .describe('Public DNS domain of the environment.'),
    runtimeEnvironment: z.enum(['Development', 'Staging', 'Production']).describe('Value of ASPNETCORE_ENVIRONMENT for the services.'),
    images: z
      .strictObject({
        registry: z
          .string()
          .regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/, 'must be a registry host with an optional path')
          .describe('Registry every image is pulled from, for example registry.b2connect.com.'),
        pullPolicy: z.enum(['IfNotPresent', 'Always']).default('IfNotPresent').describe('imagePullPolicy of every container.'),
      })
      .describe('Where images come from.'),
    sizeProfile: z.enum(SIZE_PROFILES).describe('Resource profile: constrained (dev), standard, production.'),
    replicas: z
      .strictObject({
        default: z.int().min(1).max(20).describe('Replicas of a package that sets none.'),
        max: z.int().min(1).max(100).optional().describe('Upper bound on any package replicas; unset means no bound.'),
        autoscaling: z.boolean().describe('Whether HorizontalPodAutoscalers are emitted in this environment.'),
      })
      .describe('Replica policy.'),
    capabilities: z
      .strictObject({
        prometheusOperator: z.boolean().default(false).describe('prometheus-operator CRDs (ServiceMonitor) are installed.'),
        certManager: z.boolean().default(false).describe('cert-manager is installed.'),
        externalSecrets: z.boolean().default(false).describe('External Secrets Operator is installed.'),
        argoRollouts: z.boolean().default(false).describe('Argo Rollouts is installed.'),
        serviceMesh: z.enum(['none', 'istio', 'linkerd']).default('none').describe('Service mesh present in the cluster.'),
        cloudnativePg: z.boolean().default(false).describe('The CloudNativePG operator is installed.'),
        rabbitmqOperator: z.boolean().default(false).describe('The RabbitMQ cluster operator is installed.'),
      })
      .describe('Cluster capabilities present in this environment.'),
    monitoring: z
      .strictObject({
        grafanaUrl: z.url().optional().describe("Grafana the alerts' dashboard links point to. @default - https://grafana.<domain>"),
        runbooksUrl: z
          .url()
          .optional()
          .describe(
            "Page of the platform's runbooks; each alert links to its section (#<alert name in lower case>). @default - docs/observability.md of the deploy repository",
          ),
      })
      .optional()
      .describe('Where the alerts link to, where the environment runs prometheus-operator.'),
    logging: z
      .strictObject({
        level: z.enum(LOG_LEVELS).describe('Default log level of the services.'),
        format: z
          .enum(['json', 'text'])
          .describe('Console log format: json (structured; the log collector parses it into fields) or text.'),
        elasticsearch: LogStoreSchema.default({ type: 'platform' }).describe(
          'Where infra/logging ships the logs and traces: the platform Elasticsearch (services/elasticsearch) or an external cluster. @default - platform',
        ),
        credentialsKey: z
          .string()
          .min(1)
          .default('b2connect/logging')
          .describe(
            'Key in the secret backend holding username and password (the log writer Fluent Bit and the trace collector sign in as) and kibana-password (the kibana_system user). @default b2connect/logging',
          ),
        retentionDays: z
          .int()
          .min(1)
          .max(3650)
          .default(7)
          .describe('Days the logs and traces are kept: the delete phase of their index lifecycle policy. @default 7'),
      })
      .describe('Logging: the settings passed to every service, and where infra/logging collects the logs to.'),
    tracing: z
      .strictObject({
        samplingPercent: z
          .number()
          .min(0)
          .max(100)
          .default(1)
          .describe('Share of requests traced, in percent (100 in dev, a few in staging, about 1 in prod). @default 1'),
        istioProvider: dnsLabel
          .default('otel-tracing')
          .describe(
            'Name of the OpenTelemetry tracing extension provider in the Istio MeshConfig (serviceMesh istio only); it sends to the collector of infra/logging. @default otel-tracing',
          ),
      })
      .default({ samplingPercent: 1, istioProvider: 'otel-tracing' })
      .describe('Distributed tracing: the mesh traces where the mesh is Istio, the applications through the collector elsewhere.'),
    storageClasses: z
      .strictObject({ standard: StorageClassSpec, 'fast-ssd': StorageClassSpec, regional: StorageClassSpec })
      .describe('Provisioner and parameters of the standard, fast-ssd and regional storage classes in this cloud.'),
    stores: z
      .strictObject({
        storageClass: z.enum(STORAGE_CLASSES).describe('Storage class of data store volumes unless a store says otherwise.'),
        replicas: z.int().min(1).max(7).describe('Members of a clustered data store (3 for automatic failover).'),
        requirePersistence: z.boolean().describe('Refuse data stores without persistent volumes.'),
        guaranteedQos: z.boolean().describe('Data store requests equal their limits (Guaranteed QoS).'),
      })
      .describe('Data store globals.'),
    secrets: z
      .strictObject({
        store: dnsLabel.describe('Name of the ClusterSecretStore every ExternalSecret reads from.'),
        backend: z
          .discriminatedUnion('provider', [
            z.strictObject({
              provider: z.literal('azure-key-vault'),
              vaultUrl: z.url().describe('Key Vault URL, for example https://b2connect-prod.vault.azure.net.'),
              tenantId: z.string().regex(/^[0-9a-f-]{36}$/, 'must be an Azure tenant id (a GUID)'),
            }),
            z.strictObject({
              provider: z.literal('vault'),
              server: z.url().describe('HashiCorp Vault address.'),
              path: z.string().min(1).default('secret').describe('KV version 2 mount.'),
              role: z.string().min(1).describe('Vault Kubernetes-auth role of the External Secrets Operator.'),
            }),
          ])
          .describe('Secret backend of the environment: Azure Key Vault (workload identity) or HashiCorp Vault (Kubernetes auth).'),
        refreshInterval: z

          .string()
          .regex(/^[0-9]+(s|m|h)$/, 'must be a duration such as 1h')
          .default('1h')
          .describe('How often ExternalSecrets re-read the backend.'),
      })
      .describe('Where credentials come from: never from the bundle.'),
    backups: z
      .strictObject({
        schedule: z
          .string()
          .regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron expression')
          .describe('When scheduled backups run (cron, cluster time zone).'),
        retentionDays: z.int().min(1).max(3650).describe('How long backups are kept.'),
        volume: z
          .strictObject({ storageClass: z.enum(STORAGE_CLASSES), size: storageSize })
          .describe('Backup volume of stores whose engine has no object-store backup of its own.'),
        objectStore: z
          .strictObject({
            destinationPath: z.string().regex(/^s3:\/\/[a-z0-9.-]+(\/[A-Za-z0-9._-]+)*\/?$/, 'must be an s3:// URL'),
            endpointUrl: z.url().optional().describe('S3-compatible endpoint; unset for AWS S3.'),
            credentialsKey: z.string().min(1).describe('Key in the secret backend holding ACCESS_KEY_ID and ACCESS_SECRET_KEY.'),
          })
          .optional()
          .describe('S3-compatible object storage for WAL archives and snapshots; unset in environments without one.'),
      })
      .describe('Backups of the data stores.'),
    quota: z
      .strictObject({
        requestsCpu: z.string().regex(/^\d+(m)?$/, 'must be CPU such as 20 or 500m'),
        requestsMemory: z.string().regex(/^\d+(Mi|Gi)$/, 'must be memory such as 40Gi'),
        limitsCpu: z.string().regex(/^\d+(m)?$/, 'must be CPU such as 40'),
        limitsMemory: z.string().regex(/^\d+(Mi|Gi)$/, 'must be memory such as 80Gi'),
        pods: z.int().min(1),
        persistentVolumeClaims: z.int().min(0),
      })
      .describe('ResourceQuota of the platform namespace.'),
    network: z

      .strictObject({
        ingressNamespace: dnsLabel.describe('Namespace of the ingress controller; it alone reaches the api-gateway and the frontends.'),
        monitoringNamespace: dnsLabel.describe('Namespace of Prometheus; it alone reaches metrics ports.'),
        prometheusUrl: z
          .url()
          .optional()
          .describe(
            'Prometheus that canary analyses query (the Argo Rollouts controller reaches it). @default - http://prometheus-operated.<monitoringNamespace>.svc:9090, the Service prometheus-operator creates',
          ),
        operatorNamespaces: z
          .strictObject({ cloudnativePg: dnsLabel.default('cnpg-system'), rabbitmqOperator: dnsLabel.default('rabbitmq-system') })
          .default({ cloudnativePg: 'cnpg-system', rabbitmqOperator: 'rabbitmq-system' })
          .describe('Namespaces of the operators that manage the stores.'),
        apiServer: z
          .strictObject({ cidr: cidr, port: z.int().min(1).max(65535) })
          .describe("Address of the Kubernetes API server, for the operators' instance managers running in store pods."),
        objectStore: z
          .strictObject({ cidr: cidr, port: z.int().min(1).max(65535) })
          .describe('Where backups leave the cluster (the object store endpoint).'),
      })
      .describe('Network globals for the NetworkPolicies derived from the dependency graph.'),
    ingress: z
      .strictObject({
        className: z.string().min(1).default('nginx').describe('IngressClass of the public entry.'),
        tlsIssuer: z.enum(['letsencrypt-prod', 'letsencrypt-staging']).describe('cert-manager ClusterIssuer of the public certificates.'),
        acmeEmail: z.email().describe("Contact of the ACME account (Let's Encrypt expiry notices)."),
        hosts: z
          .strictObject({
            api: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a host name'),
            storefront: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a host name'),
            adminPortal: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a host name'),
          })
          .describe('Public host names: the api-gateway, the storefront, the admin portal.'),
      })
      .describe('Public entry: ingress class, hosts and TLS.'),
    slots: z
      .strictObject({
        names: z
          .array(dnsLabel)
          .length(2, 'must name two slots, for example [blue, green]')
          .refine((names) => names[0] !== names[1], 'must name two different slots')
          .describe(
            'The two slots: each has its own namespace `<namespace>-<slot>` holding every stateless package (web services, frontends); stores stay in `namespace`, shared by both.',
          ),
        live: dnsLabel.describe(
          'The slot the public hosts reach. A switch is a change of this one value (`nx run ingress:switch -c <env> --to <slot>`); it rebuilds the ingress bundle only.',
        ),
        previewHosts: z
          .strictObject({ api: HOST, storefront: HOST, adminPortal: HOST })
          .describe('Host names that reach the idle slot (the one not live), for smoke tests before a switch.'),
        smokeTest: z
          .strictObject({
            image: z
              .strictObject({ repository: z.string().min(1), tag: z.string().min(1) })
              .describe("Image of the smoke tests, in the environment's registry, with a pinned tag."),
            command: z.array(z.string().min(1)).min(1).describe('The command that runs the smoke tests; it exits non-zero on a failure.'),
            timeoutSeconds: z.int().min(30).max(3600).default(600).describe('How long the smoke tests may run.'),
          })
          .optional()
          .describe(
            'A Job that tests the slot about to go live (its in-cluster Services, through SMOKE_TEST_API_URL and the other SMOKE_TEST_* variables) before the ingress switches to it. @default - none',
          ),
      })
      .optional()
      .describe('Blue-green: two namespace slots for the stateless packages and the live one. @default - no slots (one namespace)'),
    delivery: z

      .strictObject({
        driver: z
          .enum(['dir', 'gitops', 'kubectl'])
          .default('dir')
          .describe('How `deploy` publishes the bundle: dir (the bundle folder), gitops, kubectl.'),
        gitops: z
          .strictObject({
            engine: z
              .enum(GITOPS_ENGINES)
              .describe('GitOps engine of the cluster: argocd, flux, or none (infra/gitops then emits nothing).'),
            repository: z
              .string()
              .regex(GIT_URL, 'must be an http://, https:// or ssh:// URL (the address Argo CD or Flux read)')
              .refine((v) => !GIT_URL.test(v) || isUrl(v), 'must be a valid URL')
              .describe('GitOps repository as the cluster reads it: an http://, https:// or ssh:// URL, without credentials.'),
            pushUrl: z
              .string()
              .min(1)
              .optional()
              .describe(
                'Where the gitops driver pushes: a local path or any URL git can push to, without credentials. @default - repository',
              ),
            branch: z
              .string()
              .refine(
                isBranchName,
                'must be a valid git branch name (no spaces, "..", "~^:?*[\\", leading "-" or ".", trailing "/", "." or ".lock")',
              )
              .default('main')
              .describe('Branch the engine follows and the driver pushes to.'),
            path: z
              .string()
              .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'must be a relative path such as environments/prod')
              .refine((p) => p.split('/').every((s) => s !== '.' && s !== '..'), 'must not have "." or ".." segments')
              .describe('Folder of this environment in the repository, relative to its root.'),
            argocd: z
              .strictObject({
                progressiveSync: z
                  .boolean()
                  .default(false)
                  .describe(
                    'The ApplicationSet controller runs with progressive syncs enabled (--enable-progressive-syncs): one ApplicationSet with RollingSync by wave; otherwise one Application per package with sync waves (app of apps).',
                  ),
              })
              .optional()
              .describe('Argo CD settings (engine argocd only). @default - progressiveSync false'),
          })
          .optional()
          .describe('GitOps repository and engine, for the gitops driver and the infra/gitops objects.'),
        kubectl: z.strictObject({ context: z.string().min(1).describe('The only kube context the kubectl driver applies to.') }).optional(),
      })
      .default({ driver: 'dir' })
      .describe('Publishing of the bundle.'),
    featureFlags: z
      .record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'must be a PascalCase or camelCase name'), z.boolean())
      .default({})
      .describe('Feature toggles passed to every service as FeatureManagement__<Name>.'),
  })
  .superRefine((env, ctx) => {
    if (env.delivery.driver !== 'dir' && !env.delivery[env.delivery.driver]) {
      ctx.addIssue({
        code: 'custom',
        path: ['delivery', env.delivery.driver],
        message: `driver ${env.delivery.driver} needs delivery.${env.delivery.driver} settings`,
      });
    }

    const gitops = env.delivery.gitops;
    if (gitops) {
      for (const field of ['repository', 'pushUrl'] as const) {
        const url = gitops[field];
        if (url !== undefined && hasCredentials(url)) {
          ctx.addIssue({
            code: 'custom',
            path: ['delivery', 'gitops', field],
            message:
              field === 'repository'
                ? `credentials belong in the secret referenced by the GitOps engine (Flux: Secret ${GITOPS_CREDENTIALS_SECRET} in flux-system; Argo CD: a repository Secret in argocd), not in the URL`
                : 'credentials belong in the secret referenced by the deploy job (its git credential helper or SSH key), not in the URL',
          });
        }
      }
      if (gitops.argocd && gitops.engine !== 'argocd') {
        ctx.addIssue({
          code: 'custom',
          path: ['delivery', 'gitops', 'argocd'],
          message: `Argo CD settings need engine argocd (engine is ${gitops.engine}); remove them or set engine: argocd`,
        });
      }
    }

    if (env.slots && !env.slots.names.includes(env.slots.live)) {
      ctx.addIssue({
        code: 'custom',
        path: ['slots', 'live'],
        message: `"${env.slots.live}" is not one of the slots (${env.slots.names.join(', ')})`,
      });
    }
    if (env.slots) {
      for (const slot of env.slots.names) {
        if (slotNamespace(env, slot).length > 63) {
          ctx.addIssue({
            code: 'custom',
            path: ['slots', 'names'],
            message: `namespace "${slotNamespace(env, slot)}" of slot ${slot} is longer than 63 characters; shorten the slot or the namespace`,
          });
        }
      }
      const live = new Set(Object.values(env.ingress.hosts));
      for (const [key, host] of Object.entries(env.slots.previewHosts)) {
        if (live.has(host)) {
          ctx.addIssue({
            code: 'custom',
            path: ['slots', 'previewHosts', key],
            message: `"${host}" is a public host of ingress.hosts; a preview host must reach the idle slot only`,
          });
        }
      }
    }

    checkNoCredentials(env, ctx);

    if (env.replicas.max !== undefined && env.replicas.default > env.replicas.max) {
      ctx.addIssue({
        code: 'custom',
        path: ['replicas', 'default'],
        message: `default ${env.replicas.default} is above max ${env.replicas.max}`,
      });
    }
  });

/** Fields with a message of their own (the GitOps URLs above). */
const CHECKED_URLS = new Set(['delivery.gitops.repository', 'delivery.gitops.pushUrl']);

/** Where the credentials of a URL of an environment file belong instead, by field. */
const CREDENTIALS_HOME: Readonly<Record<string, string>> = {
  'secrets.backend.vaultUrl': 'the External Secrets Operator signs in to Key Vault with its workload identity',
  'secrets.backend.server': 'the External Secrets Operator signs in to Vault with Kubernetes auth (secrets.backend.role)',
  'backups.objectStore.endpointUrl': 'the object store credentials come from the secret backend (backups.objectStore.credentialsKey)',
  'logging.elasticsearch.url': 'the log shippers sign in with the credentials of the secret backend (logging.credentialsKey)',
};

/**
 * An environment file is committed, read by many and copied into bundles: no string in it, URLs above
 * all, may carry a credential (config/secrets.ts says what looks like one).
 */
function checkNoCredentials(env: unknown, ctx: z.RefinementCtx, path: readonly (string | number)[] = []): void {
  if (typeof env === 'string') {
    const field = path.join('.');
    if (CHECKED_URLS.has(field)) return;
    if (hasCredentials(env)) {
      ctx.addIssue({
        code: 'custom',
        path: [...path],
        message: `must not carry credentials (user:password@ or a token as user): ${CREDENTIALS_HOME[field] ?? 'put them in the secret backend and reference them'}; remove them from the URL`,
      });
      return;
    }
    const credential = credentialIn(env);
    if (credential) {
      ctx.addIssue({
        code: 'custom',
        path: [...path],
        message: `holds ${credential} (value not shown): environment files are committed and copied into bundles; put it in the secret backend and reference it`,
      });
    }
  } else if (Array.isArray(env)) {
    env.forEach((item, i) => checkNoCredentials(item, ctx, [...path, i]));
  } else if (typeof env === 'object' && env !== null) {
    for (const [key, value] of Object.entries(env)) checkNoCredentials(value, ctx, [...path, key]);
  }
}

export type EnvironmentInput = z.input<typeof EnvironmentSchema>;

/** The namespace of one slot of an environment with slots. */
export function slotNamespace(env: Pick<Environment, 'namespace'>, slot: string): string {
  return `${env.namespace}-${slot}`;
}

/**
 * The ExternalName Service of the environment's namespace that stands for `service` of one slot
 * (`infra/ingress`): the Ingresses route to it, so ingress-nginx labels the slot's requests with it
 * (`service`), in the environment's namespace (`exported_namespace`), whichever slot is live.
 */
export function slotServiceAlias(service: string, slot: string): string {
  return `${service}-${slot}`;
}
export type Environment = z.output<typeof EnvironmentSchema>;

/** Parses and validates an environment from already-loaded data. */
export function parseEnvironment(data: unknown, file: string): Environment {
  if (data === null || data === undefined) {
    throw new ConfigError(file, [
      {
        path: '',
        message:
          'is empty: an environment file holds the globals of one environment (name, namespace, domain, images, ...); see environments/dev.yaml',
      },
    ]);
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(file, [
      {
        path: '',
        message: `must be a mapping of the environment's globals (name: ..., namespace: ...), not ${Array.isArray(data) ? 'a list' : `a single ${typeof data}`}`,
      },
    ]);
  }
  const result = EnvironmentSchema.safeParse(data);
  if (!result.success) throw ConfigError.fromZod(file, result.error, [], data);
  const expected = basename(file, extname(file));
  if (result.data.name !== expected) {
    throw new ConfigError(file, [{ path: 'name', message: `"${result.data.name}" must equal the file name "${expected}"` }]);
  }
  return result.data;
}

/** Reads `environments/<name>.yaml`; YAML syntax errors and schema errors both name the file. */
export function loadEnvironment(file: string): Environment {
  return parseEnvironment(parseYamlFile(file), file);
}

export function parseYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [{ path: '', message: `cannot read file: ${(e as Error).message}` }]);
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({
        path: '',
        message: `invalid YAML at line ${e.linePos?.[0].line ?? '?'}, column ${e.linePos?.[0].col ?? '?'}: ${e.message.split(' at line ')[0]}`,
      })),
    );
  }
  return doc.toJS();
}

/** Where the generated JSON Schema of environment files lives, relative to the workspace root. */
export const ENVIRONMENT_JSON_SCHEMA_PATH = 'libs/k8s-lib/schema/environment.schema.json';

/**
 * JSON Schema of environment files, generated from the zod schema, for editor completion
 * (environment files reference it in their `yaml-language-server` comment).
 */
export function environmentJsonSchema(): string {
  const schema = z.toJSONSchema(EnvironmentSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'B2Connect environment file', $id: 'https://b2connect.com/schemas/environment.schema.json' }, null, 2)}\n`;
}
