import { defineWebService } from '@b2connect/k8s-lib';

export default defineWebService({
  name: 'orders',
  team: 'checkout',
  description: 'Carts, orders and their lifecycle.',
  image: { repository: 'b2connect/orders' },
  ports: { http: 8080, metrics: 9090 },
  health: { readiness: '/health/ready', liveness: '/health/live' },
  dependsOn: ['catalog', 'identity', 'postgres', 'rabbitmq'],
  size: 'medium',
  autoscaling: { min: 2, max: 8 },
});
