import { beforeAll, describe, expect, it } from 'vitest';
import { findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});

/** The platform namespace, and in prod the namespaces of its two blue-green slots. */
const NAMESPACES: Record<string, string[]> = {
  dev: ['b2connect'],
  staging: ['b2connect'],
  prod: ['b2connect', 'b2connect-blue', 'b2connect-green'],
};

describe('infra/namespaces', () => {
  it('enforces, audits and warns Pod Security "restricted" on the platform namespace and on every slot namespace', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      expect(
        bundle(env)
          .filter((o) => o.kind === 'Namespace')
          .map((o) => o.metadata.name),
      ).toEqual(NAMESPACES[env]);
      for (const namespace of NAMESPACES[env]!) {
        expect(findObject(bundle(env), 'Namespace', namespace).metadata.labels).toMatchObject({
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.28',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        });
      }
    }
  });

  it('keeps the namespace when its Argo CD Application or Flux Kustomization is deleted or prunes', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      for (const namespace of NAMESPACES[env]!) {
        expect(findObject(bundle(env), 'Namespace', namespace).metadata.annotations).toMatchObject({
          'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false',
          'kustomize.toolkit.fluxcd.io/prune': 'disabled',
        });
      }
    }
  });

  it('bounds the namespace with a quota from the environment and default container limits', () => {
    for (const namespace of NAMESPACES.prod!) {
      expect(findObject(bundle('prod'), 'ResourceQuota', 'platform', namespace).spec.hard).toMatchObject({
        'requests.cpu': '64',
        pods: 300,
      });
      expect(findObject(bundle('prod'), 'LimitRange', 'container-defaults', namespace).spec.limits[0].type).toBe('Container');
    }
    expect(findObject(bundle('dev'), 'ResourceQuota', 'platform').spec.hard['requests.memory']).toBe('16Gi');
  });

  it('denies all ingress and egress by default and allows DNS', () => {
    for (const namespace of NAMESPACES.prod!) {
      expect(findObject(bundle('prod'), 'NetworkPolicy', 'default-deny', namespace).spec).toEqual({
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
      });
      const dns = findObject(bundle('prod'), 'NetworkPolicy', 'allow-dns', namespace).spec.egress[0];
      expect(dns.ports.map((p: { protocol: string; port: number }) => `${p.protocol}/${p.port}`)).toEqual(['UDP/53', 'TCP/53']);
    }
  });

  it('enrols the namespace in the environment mesh: Istio with strict mTLS in prod, Linkerd in staging, none in dev', () => {
    for (const namespace of NAMESPACES.prod!) {
      expect(findObject(bundle('prod'), 'Namespace', namespace).metadata.labels).toMatchObject({ 'istio-injection': 'enabled' });
      expect(findObject(bundle('prod'), 'PeerAuthentication', 'default', namespace).spec).toEqual({ mtls: { mode: 'STRICT' } });
    }
    expect(findObject(bundle('staging'), 'Namespace', 'b2connect').metadata.annotations).toMatchObject({ 'linkerd.io/inject': 'enabled' });
    expect(bundle('staging').some((o) => o.kind === 'PeerAuthentication')).toBe(false);
    const dev = findObject(bundle('dev'), 'Namespace', 'b2connect');
    expect(dev.metadata.labels).not.toHaveProperty('istio-injection');
    expect(dev.metadata.annotations).not.toHaveProperty('linkerd.io/inject');
    expect(bundle('dev').some((o) => o.metadata.name === 'allow-mesh-control-plane')).toBe(false);
  });
});
