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

  it('stays quiet on URLs with a plain user and no password: database and broker users, Sentry DSNs', () => {
    const objects = goodBundle();
    objects[1].data = {
      Db: 'postgresql://app@postgres:5432/x',
      Broker: 'amqp://guest@rabbitmq',
      Sentry__Dsn: 'https://e3b0c44298fc1c149afbf4c8996fb924@o123.ingest.sentry.io/1',
    };
    deployment(objects).metadata.annotations = {
      'example.com/sentry': 'dsn=https://e3b0c44298fc1c149afbf4c8996fb924@o123.ingest.sentry.io/1',
    };
    expect(check(rule, objects)).toEqual([]);
  });

  it('fails when a string holds a quoted or Redis password, a URL query token, a Slack webhook, a GitLab or OpenAI-style key, or a token as URL user', () => {
    const objects = goodBundle();
    objects[1].data = {
      A: 'Host=db;Password="hunter2"',
      B: 'redis:6379,password=hunter2',
      C: 'jdbc:postgresql://db/x?user=a&password=hunter2',
      D: 'https://acct.blob.core.windows.net/c?sv=2022-11-02&sig=hunter2',
      E: 'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdEFGH1234ijklMNOP5678',
      F: 'glpat-AbCdEf0123456789xYz_',
      G: 'sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk6l',
      H: 'https://q8Zr3LmT0xWv7Yb2Nc5Kd9Fg1Hj4Sp6A@git.example.com/x.git',
    };
    const findings = check(rule, objects);
    expect(findings.map((f) => f.message)).toEqual([
      'data.A holds a connection string with a credential (Password=...) (value not shown)',
      'data.B holds a connection string with a credential (password=...) (value not shown)',
      'data.C holds a URL query with a credential (password=...) (value not shown)',
      'data.D holds a URL query with a credential (sig=...) (value not shown)',
      'data.E holds a Slack webhook URL (hooks.slack.com/services/...) (value not shown)',
      'data.F holds a GitLab token (glpat-, gldt-, glrt-, glptt-) (value not shown)',
      'data.G holds an OpenAI-style secret key (sk-...) (value not shown)',
      'data.H holds a URL with credentials (user:password@ or a token as user) (value not shown)',
    ]);
    expect(JSON.stringify(findings)).not.toMatch(/hunter2|abcdEFGH|glpat-A|sk-A|q8Zr/);
  });
});
