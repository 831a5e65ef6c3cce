import { beforeAll, describe, expect, it } from 'vitest';
import { findConfig, findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});

const sts = (env: string) => findObject(bundle(env), 'StatefulSet', 'elasticsearch');
const yml = (env: string) => findConfig(bundle(env), 'ConfigMap', 'elasticsearch-config').data['elasticsearch.yml'];

describe('elasticsearch', () => {
  it('is a StatefulSet cluster discovering its members through the headless Service in prod', () => {
    expect(sts('prod').spec).toMatchObject({ replicas: 3, podManagementPolicy: 'Parallel', serviceName: 'elasticsearch-headless' });
    expect(yml('prod')).toContain('discovery.seed_hosts: ["elasticsearch-headless.b2connect.svc"]');
    expect(yml('prod')).toContain('cluster.initial_master_nodes: ["elasticsearch-0", "elasticsearch-1", "elasticsearch-2"]');
    expect(sts('prod').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('200Gi');
    expect(yml('dev')).toContain('discovery.type: single-node');
  });

  it('needs no privileged setup: mmap is off, every container is restricted', () => {
    expect(yml('prod')).toContain('node.store.allow_mmap: false');
    const spec = sts('prod').spec.template.spec;
    for (const c of [...spec.initContainers, ...spec.containers]) {
      expect(c.securityContext).toMatchObject({
        privileged: false,
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it('encrypts transport with a cert-manager certificate for every member', () => {
    const cert = findObject(bundle('prod'), 'Certificate', 'elasticsearch-transport');
    expect(cert.spec).toMatchObject({ secretName: 'elasticsearch-transport-tls', issuerRef: { name: 'elasticsearch-ca', kind: 'Issuer' } });
    expect(cert.spec.dnsNames).toContain('*.elasticsearch-headless.b2connect.svc');
    expect(yml('prod')).toContain('xpack.security.transport.ssl.enabled: true');
  });

  it('snapshots through SLM: to S3 in prod, to a kept volume in dev', () => {
    const script = (env: string) =>
      findObject(bundle(env), 'CronJob', 'elasticsearch-snapshot-policy').spec.jobTemplate.spec.template.spec.containers[0].command[2];
    expect(script('prod')).toContain('"type":"s3","settings":{"bucket":"b2connect-backups","base_path":"prod/elasticsearch"}');
    expect(script('prod')).toContain('"schedule":"0 0 1 * * ?"');
    expect(script('prod')).toContain('"expire_after":"30d"');
    expect(script('dev')).toContain('"type":"fs","settings":{"location":"/backups"}');
    const pvc = findObject(bundle('dev'), 'PersistentVolumeClaim', 'elasticsearch-backups');
    expect(pvc.metadata.annotations).toMatchObject({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' });
  });
});
