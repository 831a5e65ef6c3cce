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
