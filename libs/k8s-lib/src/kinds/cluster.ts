import { ClusterPackageSpecSchema, type ClusterPackageSpec } from '../config/cluster-package';
import { standardLabels } from '../labels';
import type { PackageKind } from './kind';

/**
 * A cluster-level package (`defineClusterPackage`): namespaces, storage classes, issuers, GitOps
 * objects. It sets namespaces itself (a chart namespace would land on cluster-scoped objects too), has
 * no pods on the platform's network graph (only the namespaces of its `clients`, as callers), and comes
 * after the packages it depends on.
 */
export const clusterKind: PackageKind<ClusterPackageSpec, undefined> = {
  name: 'cluster',
  schema: ClusterPackageSpecSchema,
  namespaced: false,
  dependsOnAll: (spec) => spec.dependsOnAll,
  resolve: () => undefined,
  network({ spec, env }, net) {
    const calls = (spec.clients?.(env) ?? []).flatMap((client) => {
      const id = `namespace-${client.namespace}`;
      net.namespace(id, client.namespace, { outsideMesh: client.outsideMesh === true });
      return client.reaches.map((to) => ({ from: id, to }));
    });
    return { served: [], consumes: false, calls };
  },
  wave: (spec, waveOf) => (spec.dependsOn.length > 0 ? Math.max(...spec.dependsOn.map(waveOf)) + 1 : 1),
  build(chart, { pkg, spec, env, model, bundle }) {
    const labels = standardLabels({ name: spec.name, team: spec.team, component: 'cluster', version: pkg.version });
    spec.build(chart, { env, name: spec.name, team: spec.team, version: pkg.version, labels, workspace: model.workspace, bundle });
  },
};
