import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findObject, synthesize, type KubeObject } from '@b2connect/k8s-lib';

let bundles: ReadonlyMap<string, ReadonlyMap<string, readonly KubeObject[]>>;
beforeAll(async () => {
  ({ bundles } = await synthesize(join(__dirname, '../..'), { packages: ['storage'], load: (f) => import(/* @vite-ignore */ f) }));
});

describe('infra/storage', () => {
  it('emits the three storage classes of every environment, cluster-scoped, from the environment settings', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const objects = bundles.get(env)!.get('storage')!;
      expect(objects.map((o) => o.metadata.name).sort()).toEqual(['fast-ssd', 'regional', 'standard']);
      for (const o of objects) {
        expect(o.metadata).not.toHaveProperty('namespace');
        expect(o).toMatchObject({
          volumeBindingMode: 'WaitForFirstConsumer',
          allowVolumeExpansion: true,
          provisioner: 'disk.csi.azure.com',
        });
      }
    }
    expect(findObject(bundles.get('prod')!.get('storage')!, 'StorageClass', 'regional').parameters).toEqual({ skuName: 'StandardSSD_ZRS' });
  });

  it('makes standard the default class and keeps volumes when claims go', () => {
    const standard = findObject(bundles.get('prod')!.get('storage')!, 'StorageClass', 'standard');
    expect(standard.metadata.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
    expect(standard.reclaimPolicy).toBe('Retain');
  });
});
