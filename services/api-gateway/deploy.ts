import { defineWebService } from '@b2connect/k8s-lib';

export default defineWebService({
  name: 'api-gateway',
  team: 'edge',
  description: 'Public entry point: routes external traffic to the domain services.',
  component: 'api-gateway',
  image: { repository: 'b2connect/api-gateway' },
  ports: { http: 8080, metrics: 9090 },
  dependsOn: ['identity', 'catalog', 'orders', 'search', 'notifications'],
  size: 'medium',
  // The platform document: HPA 2..10 at 70% CPU in production.
  autoscaling: { min: 2, max: 10, cpuPercent: 70 },
  overrides: {
    staging: { autoscaling: { max: 4 } },
  },
});
