import { defineClusterPackage, EnvironmentOverview } from '@b2connect/k8s-lib';

export default defineClusterPackage({
  name: 'monitoring',
  team: 'platform',
  dependsOnAll: true,
  description:
    "The environment's overview dashboard: every package's ready pods, restarts and error budget, from their own dashboards; nothing where the environment has no prometheus-operator.",
  build: (scope, ctx) => {
    // Without prometheus-operator no package has a dashboard: nothing to give an overview of.
    if (!ctx.env.capabilities.prometheusOperator) return;
    new EnvironmentOverview(scope, 'Overview', {
      env: ctx.env.name,
      // Beside the packages' own dashboards, where Grafana's sidecar reads them.
      namespace: ctx.env.namespace,
      bundle: ctx.bundle,
      labels: { ...ctx.labels, 'app.kubernetes.io/component': 'monitoring' },
    });
  },
});
