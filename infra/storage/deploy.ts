import { defineClusterPackage, pascalCase, STORAGE_CLASSES } from '@b2connect/k8s-lib';
import { k8s } from 'cdk8s-plus-28';

export default defineClusterPackage({
  name: 'storage',
  team: 'platform',
  description: 'StorageClasses standard, fast-ssd and regional; provisioner and parameters come from the environment (cloud).',
  build: (scope, ctx) => {
    for (const name of STORAGE_CLASSES) {
      const spec = ctx.env.storageClasses[name];
      new k8s.KubeStorageClass(scope, pascalCase(name), {
        metadata: {
          name,
          labels: { ...ctx.labels },
          annotations: name === 'standard' ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : undefined,
        },
        provisioner: spec.provisioner,
        parameters: spec.parameters,
        reclaimPolicy: spec.reclaimPolicy,
        // Bind where the pod lands, so a zonal disk is created in the pod's zone.
        volumeBindingMode: 'WaitForFirstConsumer',
        allowVolumeExpansion: true,
      });
    }
  },
});
