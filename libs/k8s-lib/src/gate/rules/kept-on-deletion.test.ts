import { describe, expect, it } from 'vitest';
import { check, goodBundle } from '../../../test/gate-fixtures';
import { KEEP_ON_PRUNE } from '../../rules';
import { keptOnDeletion as rule } from './kept-on-deletion';

const claim = (annotations?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', annotations },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
});
const namespace = (annotations?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'b2connect', annotations },
});

describe(rule.id, () => {
  it('stays quiet when every Namespace and claim is kept by Argo CD and Flux (other kinds need nothing)', () => {
    expect(check(rule, [...goodBundle(), namespace({ ...KEEP_ON_PRUNE }), claim({ ...KEEP_ON_PRUNE })])).toEqual([]);
    const reordered = { 'argocd.argoproj.io/sync-options': 'Prune=false, Delete=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };
    expect(check(rule, [claim(reordered)])).toEqual([]);
  });

  it('fires on a Namespace without the annotations', () => {
    expect(check(rule, [namespace()])).toEqual([
      expect.objectContaining({
        object: 'Namespace/b2connect',
        message:
          'can be deleted by Argo CD or Flux: annotation argocd.argoproj.io/sync-options: Delete=false,Prune=false and kustomize.toolkit.fluxcd.io/prune: disabled missing',
      }),
    ]);
  });

  it('fires on a claim kept by one engine only, or with half of the Argo CD options', () => {
    expect(check(rule, [claim({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' })])).toEqual([
      expect.objectContaining({
        object: 'PersistentVolumeClaim/data',
        message: expect.stringContaining('Delete=false,Prune=false missing'),
      }),
    ]);
    expect(check(rule, [claim({ ...KEEP_ON_PRUNE, 'argocd.argoproj.io/sync-options': 'Prune=false' })])).toHaveLength(1);
    expect(check(rule, [claim({ ...KEEP_ON_PRUNE, 'kustomize.toolkit.fluxcd.io/prune': 'enabled' })])).toEqual([
      expect.objectContaining({ message: expect.stringContaining('kustomize.toolkit.fluxcd.io/prune: disabled missing') }),
    ]);
  });
});
