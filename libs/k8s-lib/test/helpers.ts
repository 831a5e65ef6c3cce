import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import type { Construct } from 'constructs';
import type { EnvironmentInput } from '../src/config/environment';
import type { WebServiceSpecInput } from '../src/config/definition';
import type { DeployableDefinition } from '../src/kinds/define';
import type { KubeObject } from '../src/check/validate';

/** Synthesizes whatever `build` adds to a fresh chart. */
export function synth(build: (scope: Construct) => void): KubeObject[] {
  const app = new App({ outdir: '/nonexistent' });
  const chart = new Chart(app, 'Test', { disableResourceNameHashes: true });
  build(chart);
  return chart.toJson() as KubeObject[];
}

/** Finds exactly one object by kind and name (the library's own lookup). */
export { findConfig, findObject as find } from '../src/write/query';

export function environment(name: string, over: Partial<EnvironmentInput> = {}): EnvironmentInput {
  return {
    name,
    namespace: 'b2connect',
    domain: `${name}.b2connect.com`,
    runtimeEnvironment: name === 'prod' ? 'Production' : 'Development',
    images: { registry: 'registry.example.com' },
    sizeProfile: name === 'prod' ? 'production' : 'constrained',
    replicas: name === 'prod' ? { default: 3, autoscaling: true } : { default: 1, max: 1, autoscaling: false },
    capabilities: { rabbitmqOperator: true, cloudnativePg: name === 'prod' },
    storageClasses: {
      standard: { provisioner: 'disk.csi.azure.com', parameters: { skuName: 'StandardSSD_LRS' } },
      'fast-ssd': { provisioner: 'disk.csi.azure.com', parameters: { skuName: 'Premium_LRS' } },
      regional: { provisioner: 'disk.csi.azure.com', parameters: { skuName: 'StandardSSD_ZRS' } },
    },
    stores:
      name === 'prod'
        ? { storageClass: 'fast-ssd', replicas: 3, requirePersistence: true, guaranteedQos: true }
        : { storageClass: 'standard', replicas: 1, requirePersistence: false, guaranteedQos: false },
    secrets: { store: 'platform-secrets', backend: { provider: 'vault', server: 'https://vault.example.com', role: 'eso' } },

    backups: {
      schedule: '0 2 * * *',
      retentionDays: 7,
      volume: { storageClass: 'standard', size: '10Gi' },
      ...(name === 'prod' ? { objectStore: { destinationPath: 's3://backups/prod', credentialsKey: 'backup-store' } } : {}),
    },
    quota: { requestsCpu: '8', requestsMemory: '16Gi', limitsCpu: '16', limitsMemory: '32Gi', pods: 50, persistentVolumeClaims: 20 },
    ingress: {
      tlsIssuer: 'letsencrypt-staging',
      acmeEmail: 'ops@example.com',
      hosts: { api: `api.${name}.example.com`, storefront: `www.${name}.example.com`, adminPortal: `admin.${name}.example.com` },
    },
    network: {
      ingressNamespace: 'ingress-nginx',
      monitoringNamespace: 'monitoring',
      apiServer: { cidr: '10.0.0.1/32', port: 443 },
      objectStore: { cidr: '0.0.0.0/0', port: 443 },
    },
    logging: {
      level: name === 'prod' ? 'Information' : 'Debug',
      format: name === 'prod' ? 'json' : 'text',
    },
    ...over,
  };
}

export function webService(name: string, over: Partial<WebServiceSpecInput> = {}): DeployableDefinition {
  return {
    kind: 'web-service',
    spec: {
      name,
      team: 'team-a',
      image: { repository: `b2connect/${name}` },
      ports: { http: 8080, metrics: 9090 },
      health: { readiness: '/health/ready', liveness: '/health/live' },
      ...over,
    },
  };
}

export interface FixtureSpec {
  /** File content per environment name; an object is written as YAML, a string as is. */
  readonly environments?: Record<string, EnvironmentInput | string>;
  /** Definition per package folder (services/<name>); a string is written as the deploy.ts source. */
  readonly packages?: Record<string, DeployableDefinition | string>;
}

/**
 * Writes a throwaway workspace: environments/*.yaml and services/<name>/{package.json,deploy.ts}.
 * deploy.ts files hold plain data (no imports), so any loader can read them.
 */
export function makeWorkspace(spec: FixtureSpec): string {
  const root = mkdtempSync(join(tmpdir(), 'b2c-ws-'));
  writeWorkspace(root, spec);
  return root;
}

export function writeWorkspace(root: string, spec: FixtureSpec): void {
  mkdirSync(join(root, 'environments'), { recursive: true });
  const envs = spec.environments ?? { dev: environment('dev'), prod: environment('prod') };
  for (const [name, content] of Object.entries(envs)) {
    writeFileSync(join(root, 'environments', `${name}.yaml`), typeof content === 'string' ? content : stringify(content));
  }
  for (const [name, def] of Object.entries(spec.packages ?? {})) {
    const dir = join(root, 'services', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `@b2connect/${name}`, version: '1.2.3' }));
    writeFileSync(join(dir, 'deploy.ts'), typeof def === 'string' ? def : `export default ${JSON.stringify(def, null, 2)};\n`);
  }
}

/** Loader for tests: vitest's own import, so TypeScript definitions load as they do under Nx. */
let generation = 0;
export const importLoader = (file: string): Promise<unknown> => import(/* @vite-ignore */ `${file}?generation=${++generation}`);

/** The data of a small PostgreSQL store definition (its functions aside). */
export function storeData(name = 'db'): Record<string, unknown> {
  return {
    name,
    team: 'data',
    component: 'database',
    image: { repository: 'library/postgres', tag: '16.4' },
    port: 5432,
    credentials: { remoteKey: `b2connect/${name}` },
    storage: { size: '10Gi' },
  };
}

/** A store package's deploy.ts source: its consumers get `connection` as settings; its build emits nothing of its own. */
export function storeSource(name = 'db', connection: Record<string, string> = {}): string {
  return `export default { kind: 'store', spec: { ...${JSON.stringify(storeData(name))}, connection: () => (${JSON.stringify(connection)}), build: () => undefined } };\n`;
}
