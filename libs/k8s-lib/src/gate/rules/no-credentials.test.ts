import { describe, expect, it } from 'vitest';
import { check, deployment, goodBundle } from '../../../test/gate-fixtures';
import { noCredentials as rule } from './no-credentials';

describe(rule.id, () => {
  it('stays quiet on plain settings, URLs without credentials, placeholders, ssh users and Secret data', () => {
    const objects = goodBundle();
    objects[1].data = {
      Jwt__Issuer: 'https://identity.b2connect.com',
      Jwt__AccessTokenMinutes: '15',
      ConnectionStrings__Db: 'Host=postgres;Database=b2connect;Username=app;Password=$(DB_PASSWORD)',
      Repository: 'ssh://git@git.b2connect.com/platform/gitops.git',
    };
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { url: 'postgres://app:hunter2@db/app' } });
    expect(check(rule, objects)).toEqual([]);
  });

  it('fires on a credential in any field of any kind, without printing it', () => {
    const objects = goodBundle();
    objects[1].data = { ConnectionStrings__Db: 'Host=postgres;Password=hunter2' };
    deployment(objects).spec.template.spec.containers[0].env = [{ name: 'GH', value: 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB' }];
    deployment(objects).metadata.annotations = { 'example.com/upstream': 'https://deploy:s3cr3t@git.example.com/x.git' };
    objects.push({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { key: '-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----' },
    });
    const findings = check(rule, objects);
    expect(findings.map((f) => `${f.object}: ${f.message}`)).toEqual([
      'ConfigMap/web-config: data.ConnectionStrings__Db holds a connection string with a credential (Password=...) (value not shown)',
      'Deployment/web: metadata.annotations.example.com/upstream holds a URL with credentials (user:password@ or a token as user) (value not shown)',
      'Deployment/web: spec.template.spec.containers.0.env.0.value holds a GitHub token (ghp_, gho_, ghu_, ghs_, ghr_) (value not shown)',
      'Widget/w: spec.key holds a private key (-----BEGIN ... PRIVATE KEY-----) (value not shown)',
    ]);
    expect(JSON.stringify(findings)).not.toMatch(/hunter2|s3cr3t|ghp_0/);
  });
});
