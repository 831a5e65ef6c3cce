import { defineWebService, Delivery } from '@b2connect/k8s-lib';

export default defineWebService({
  name: 'catalog',
  team: 'catalog',
  description: 'Products, categories and prices.',
  image: { repository: 'b2connect/catalog' },
  ports: { http: 8080, metrics: 9090 },
  dependsOn: ['postgres'],
  // The schema changes run before the new version rolls out, against the store it owns.
  migrations: { command: ['dotnet', 'Catalog.dll', '--migrate'] },
  autoscaling: { min: 2, max: 6 },
  settings: { Catalog__PageSize: '50' },
  // New versions take 10%, 25%, then 50% of the traffic, each step checked against Prometheus; dev rolls.
  delivery: Delivery.canary({ analysis: { maxErrorRate: 0.01, latency: { percentile: 99, maxMs: 500 } } }),
});
