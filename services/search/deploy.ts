import { defineWebService } from '@b2connect/k8s-lib';

export default defineWebService({
  name: 'search',
  team: 'catalog',
  description: 'Product search.',
  image: { repository: 'b2connect/search' },
  ports: { http: 8080, metrics: 9090 },
  dependsOn: ['catalog', 'elasticsearch'],
  size: 'medium',
  autoscaling: { min: 2, max: 6 },
});
