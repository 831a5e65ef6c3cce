import { defineWebService } from '@b2connect/k8s-lib';

export default defineWebService({
  name: 'notifications',
  team: 'engagement',
  description: 'E-mail and push notifications.',
  image: { repository: 'b2connect/notifications' },
  ports: { http: 8080, metrics: 9090 },
  dependsOn: ['identity', 'rabbitmq'],
  // Sends are queued; two replicas are enough everywhere, more would only compete for the queue.
  replicas: 2,
});
