import { beforeAll, describe, expect, it } from 'vitest';
import { findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});

describe('infra/storage', () => {
  it('emits the three storage classes of every environment, cluster-scoped, from the environment settings', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const objects = bundle(env);
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
    expect(findObject(bundle('prod'), 'StorageClass', 'regional').parameters).toEqual({ skuName: 'StandardSSD_ZRS' });
  });

  it('makes standard the default class and keeps volumes when claims go', () => {
    const standard = findObject(bundle('prod'), 'StorageClass', 'standard');
    expect(standard.metadata.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
    expect(standard.reclaimPolicy).toBe('Retain');
  });
});
