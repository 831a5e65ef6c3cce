import { defineWebService } from '@b2connect/k8s-lib';

export default defineWebService({
  name: 'orders',
  team: 'checkout',
  description: 'Carts, orders and their lifecycle.',
  image: { repository: 'b2connect/orders' },
  ports: { http: 8080, metrics: 9090 },
  dependsOn: ['catalog', 'identity', 'postgres', 'rabbitmq'],
  size: 'medium',
  // The schema changes run before the new version rolls out, against the store it owns.
  migrations: { store: 'postgres', command: ['dotnet', 'Orders.dll', '--migrate'] },
  autoscaling: { min: 2, max: 8 },
});
