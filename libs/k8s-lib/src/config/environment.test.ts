import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../errors';
import { ENVIRONMENT_JSON_SCHEMA_PATH, environmentJsonSchema, loadEnvironment } from './environment';
import { environment } from '../../test/helpers';

function writeEnv(name: string, content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'b2c-env-')), `${name}.yaml`);
  writeFileSync(file, content);
  return file;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('environment files', () => {
  it('parses a valid file and fills the documented defaults', () => {
    const env = loadEnvironment(writeEnv('dev', stringify(environment('dev'))));
    expect(env.name).toBe('dev');
    expect(env.images.pullPolicy).toBe('IfNotPresent');
    expect(env.capabilities.serviceMesh).toBe('none');
    expect(env.featureFlags).toEqual({});
  });

  it('fails when the YAML is malformed, naming the file and the line', () => {
    const file = writeEnv('dev', 'name: dev\nreplicas: [1,\n');
    const err = errorOf(() => loadEnvironment(file));
    expect(err.message).toContain(`${file}: invalid YAML at line`);
  });

  it('fails when a key is duplicated', () => {
    const file = writeEnv('dev', stringify(environment('dev')) + 'name: dev\n');
    expect(errorOf(() => loadEnvironment(file)).message).toMatch(/invalid YAML.*[Uu]nique|duplicate/i);
  });

  it('fails when a field is misspelled, naming its dot path', () => {
    const env = environment('dev') as Record<string, unknown>;
    const file = writeEnv('dev', stringify({ ...env, replicas: { defualt: 1, autoscaling: false } }));
    const err = errorOf(() => loadEnvironment(file));
    expect(err.message).toContain(`${file}: replicas.defualt: unknown field`);
    expect(err.message).toContain(`${file}: replicas.default:`);
  });

  it('fails when a value has the wrong type or is outside its enum', () => {
    const file = writeEnv(
      'prod',
      stringify(environment('prod', { sizeProfile: 'huge' as never, logging: { level: 'Loud' as never, format: 'json' } })),
    );
    const err = errorOf(() => loadEnvironment(file));
    expect(err.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['sizeProfile', 'logging.level']));
  });

  it('fails when the name does not match the file name', () => {
    const file = writeEnv('staging', stringify(environment('prod')));
    expect(errorOf(() => loadEnvironment(file)).message).toBe(`${file}: name: "prod" must equal the file name "staging"`);
  });

  it('fails when the file is empty, saying so', () => {
    for (const content of ['', '# only a comment\n']) {
      const file = writeEnv('dev', content);
      expect(errorOf(() => loadEnvironment(file)).message).toBe(
        `${file}: is empty: an environment file holds the globals of one environment (name, namespace, domain, images, ...); see environments/dev.yaml`,
      );
    }
    const list = writeEnv('dev', '- name: dev\n');
    expect(errorOf(() => loadEnvironment(list)).message).toContain(`${list}: must be a mapping of the environment's globals`);
  });

  it('fails when a required field is missing, saying it is missing whatever its type', () => {
    const { runtimeEnvironment: _r, namespace: _n, ...env } = environment('dev');
    const secrets = { store: 'platform-secrets', backend: { server: 'https://vault.example.com', role: 'eso' } };
    const err = errorOf(() => loadEnvironment(writeEnv('dev', stringify({ ...env, secrets }))));
    expect(err.issues).toEqual([
      { path: 'namespace', message: 'required field is missing (a string)' },
      { path: 'runtimeEnvironment', message: 'required field is missing (one of "Development", "Staging", "Production")' },
      { path: 'secrets.backend.provider', message: 'required field is missing (one of "azure-key-vault", "vault")' },
    ]);
  });

  it('fails when a name is longer than a DNS label, naming the 63-character limit', () => {
    const long = 'a'.repeat(70);
    const err = errorOf(() => loadEnvironment(writeEnv('dev', stringify(environment('dev', { namespace: long })))));
    expect(err.issues).toEqual([
      { path: 'namespace', message: 'is 70 characters long; a DNS label (the name of a Kubernetes object) has at most 63' },
    ]);
  });

  it('fails when a URL or any other string carries credentials, naming the field and not the value', () => {
    const prod = environment('prod');
    const err = errorOf(() =>
      loadEnvironment(
        writeEnv(
          'prod',
          stringify({
            ...prod,
            secrets: { store: 's', backend: { provider: 'vault', server: 'https://root:hunter2@vault.example.com', role: 'eso' } },
            backups: {
              ...prod.backups,
              objectStore: {
                destinationPath: 's3://b/prod',
                endpointUrl: 'https://AKIAIOSFODNN7EXAMPLE:x@s3.example.com',
                credentialsKey: 'k',
              },
            },
            storageClasses: {
              ...prod.storageClasses,
              standard: { provisioner: 'disk.csi.azure.com', parameters: { token: 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB' } },
            },
          }),
        ),
      ),
    );
    expect(err.issues).toEqual([
      {
        path: 'storageClasses.standard.parameters.token',
        message:
          'holds a GitHub token (ghp_, gho_, ghu_, ghs_, ghr_) (value not shown): environment files are committed and copied into bundles; put it in the secret backend and reference it',
      },
      {
        path: 'secrets.backend.server',
        message:
          'must not carry credentials (user:password@ or a token as user): the External Secrets Operator signs in to Vault with Kubernetes auth (secrets.backend.role); remove them from the URL',
      },
      {
        path: 'backups.objectStore.endpointUrl',
        message:
          'must not carry credentials (user:password@ or a token as user): the object store credentials come from the secret backend (backups.objectStore.credentialsKey); remove them from the URL',
      },
    ]);
    expect(err.message).not.toMatch(/hunter2|AKIAIOSFODNN7EXAMPLE|ghp_0123/);
    const kv = environment('prod', {
      secrets: {
        store: 's',
        backend: {
          provider: 'azure-key-vault',
          vaultUrl: 'https://t0ken@kv.vault.azure.net',
          tenantId: '0'.repeat(8) + '-0000-0000-0000-' + '0'.repeat(12),
        },
      },
    });
    expect(errorOf(() => loadEnvironment(writeEnv('prod', stringify(kv)))).issues).toEqual([
      expect.objectContaining({ path: 'secrets.backend.vaultUrl', message: expect.stringContaining('workload identity') }),
    ]);
  });

  describe('logging and tracing', () => {
    const external = (url: string) =>
      environment('prod', {
        logging: {
          level: 'Information',
          format: 'json',
          elasticsearch: { type: 'external', url, cidr: '203.0.113.10/32', version: '8.15.3' },
        },
      });

    it('defaults to the platform Elasticsearch, 7 days of retention and 1 % of requests traced', () => {
      const env = loadEnvironment(writeEnv('prod', stringify(environment('prod'))));
      expect(env.logging).toMatchObject({ elasticsearch: { type: 'platform' }, credentialsKey: 'b2connect/logging', retentionDays: 7 });
      expect(env.tracing).toEqual({ samplingPercent: 1, istioProvider: 'otel-tracing' });
    });

    it('takes an external Elasticsearch by URL and address range', () => {
      const env = loadEnvironment(writeEnv('prod', stringify(external('https://logs.example.com:9243'))));
      expect(env.logging.elasticsearch).toEqual({
        type: 'external',
        url: 'https://logs.example.com:9243',
        cidr: '203.0.113.10/32',
        version: '8.15.3',
      });
    });

    it('fails when the external Elasticsearch URL carries credentials, naming the field and where they belong, not the value', () => {
      for (const url of ['https://elastic:hunter2@logs.example.com:9243', 'https://hunter2@logs.example.com']) {
        const err = errorOf(() => loadEnvironment(writeEnv('prod', stringify(external(url)))));
        expect(err.issues).toEqual([
          {
            path: 'logging.elasticsearch.url',
            message:
              'must not carry credentials (user:password@ or a token as user): the log shippers sign in with the credentials of the secret backend (logging.credentialsKey); remove them from the URL',
          },
        ]);
        expect(err.message).not.toContain('hunter2');
      }
    });

    it('fails when the external URL has a path or query, or is not http(s), or the sampling is out of range', () => {
      for (const url of ['https://logs.example.com/es', 'https://logs.example.com?x=1', 'ftp://logs.example.com']) {
        expect(errorOf(() => loadEnvironment(writeEnv('prod', stringify(external(url))))).issues.map((i) => i.path)).toEqual([
          'logging.elasticsearch.url',
        ]);
      }
      for (const samplingPercent of [-1, 101]) {
        const file = writeEnv('prod', stringify(environment('prod', { tracing: { samplingPercent } })));
        expect(errorOf(() => loadEnvironment(file)).issues.map((i) => i.path)).toEqual(['tracing.samplingPercent']);
      }
    });
  });

  it('fails when the default replica count is above the maximum', () => {
    const file = writeEnv('dev', stringify(environment('dev', { replicas: { default: 3, max: 1, autoscaling: false } })));
    expect(errorOf(() => loadEnvironment(file)).message).toBe(`${file}: replicas.default: default 3 is above max 1`);
  });
});

describe('environment files: delivery.gitops', () => {
  const gitops = (over: Record<string, unknown>) =>
    environment('prod', {
      delivery: {
        gitops: { engine: 'argocd', repository: 'ssh://git@git.example.com/platform/gitops.git', path: 'environments/prod', ...over },
      } as never,
    });
  const issues = (over: Record<string, unknown>) => {
    const file = writeEnv('prod', stringify(gitops(over)));
    return errorOf(() => loadEnvironment(file))
      .message.split('\n')
      .map((line) => line.replace(`${file}: `, ''));
  };

  it('parses the engine and its settings, with pushUrl, branch and progressiveSync defaulted', () => {
    const env = loadEnvironment(writeEnv('prod', stringify(gitops({ argocd: {} }))));
    expect(env.delivery.gitops).toEqual({
      engine: 'argocd',
      repository: 'ssh://git@git.example.com/platform/gitops.git',
      branch: 'main',
      path: 'environments/prod',
      argocd: { progressiveSync: false },
    });
    expect(env.delivery.gitops).not.toHaveProperty('pushUrl');
    const flux = loadEnvironment(writeEnv('prod', stringify(gitops({ engine: 'flux', pushUrl: '/srv/git/gitops.git' }))));
    expect(flux.delivery.gitops).toMatchObject({ engine: 'flux', pushUrl: '/srv/git/gitops.git' });
  });

  it('fails when the engine is missing or unknown', () => {
    expect(issues({ engine: undefined })).toEqual([expect.stringMatching(/^delivery\.gitops\.engine: /)]);
    expect(issues({ engine: 'jenkins' })).toEqual([expect.stringMatching(/^delivery\.gitops\.engine: /)]);
  });

  it('fails when the repository is a local path or not an http, https or ssh URL, naming the field', () => {
    for (const repository of ['/srv/git/gitops.git', '../gitops', 'git@git.example.com:platform/gitops.git', 'file:///srv/gitops']) {
      expect(issues({ repository })).toEqual([
        'delivery.gitops.repository: must be an http://, https:// or ssh:// URL (the address Argo CD or Flux read)',
      ]);
    }
    expect(issues({ repository: 'https://' })).toEqual(['delivery.gitops.repository: must be a valid URL']);
  });

  it('fails when a URL carries credentials; an ssh user is fine', () => {
    for (const repository of ['https://user:token@git.example.com/gitops.git', 'https://token@git.example.com/gitops.git']) {
      expect(issues({ repository })).toEqual([
        expect.stringMatching(/^delivery\.gitops\.repository: credentials belong in the secret referenced by .*, not in the URL$/),
      ]);
    }
    expect(issues({ repository: 'ssh://git:secret@git.example.com/gitops.git' })).toHaveLength(1);
    expect(issues({ pushUrl: 'https://ci:token@git.example.com/gitops.git' })).toEqual([
      expect.stringMatching(/^delivery\.gitops\.pushUrl: credentials belong in the secret referenced by .*, not in the URL$/),
    ]);
    for (const pushUrl of [
      'ssh://git@git.example.com/gitops.git',
      'git@git.example.com:gitops.git',
      '/srv/git/gitops.git',
      'https://git.example.com/x.git',
    ]) {
      expect(() => loadEnvironment(writeEnv('prod', stringify(gitops({ pushUrl }))))).not.toThrow();
    }
  });

  it('fails when the path is absolute, has "." or ".." segments, or a leading or trailing slash', () => {
    for (const path of ['/environments/prod', '../prod', 'environments/../../etc', 'environments/./prod', '.', 'environments/prod/']) {
      expect(issues({ path })).toEqual([expect.stringMatching(/^delivery\.gitops\.path: must/)]);
    }
  });

  it('fails when the branch is not a valid git branch name', () => {
    for (const branch of ['my branch', 'a..b', '-main', 'main/', 'main.lock', '.hidden', 'a:b', 'feature//x', '@', '']) {
      expect(issues({ branch })).toEqual([expect.stringMatching(/^delivery\.gitops\.branch: must be a valid git branch name/)]);
    }
    expect(() => loadEnvironment(writeEnv('prod', stringify(gitops({ branch: 'release/2026.1' }))))).not.toThrow();
  });

  it('fails when Argo CD settings are given with another engine, naming the field', () => {
    expect(issues({ engine: 'flux', argocd: { progressiveSync: true } })).toEqual([
      'delivery.gitops.argocd: Argo CD settings need engine argocd (engine is flux); remove them or set engine: argocd',
    ]);
  });
});

describe('environment JSON Schema', () => {
  it('is in sync with the zod schema (run `npm run generate:schemas` after changing it)', () => {
    const file = join(__dirname, '../../../..', ENVIRONMENT_JSON_SCHEMA_PATH);
    expect(readFileSync(file, 'utf8')).toBe(environmentJsonSchema());
  });

  it('is referenced by every environment file for editor completion', () => {
    const dir = join(__dirname, '../../../../environments');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      expect(readFileSync(join(dir, f), 'utf8').split('\n')[0]).toBe(
        '# yaml-language-server: $schema=../libs/k8s-lib/schema/environment.schema.json',
      );
    }
  });

  it('rejects unknown fields, as the zod schema does', () => {
    const schema = JSON.parse(environmentJsonSchema());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'namespace', 'domain', 'images', 'replicas']));
  });
});
