import { defineWebService } from '@b2connect/k8s-lib';

export default defineWebService({
  name: 'identity',
  team: 'identity',
  description: 'Users, sign-in and token issuance.',
  image: { repository: 'b2connect/identity' },
  ports: { http: 8080, metrics: 9090 },
  dependsOn: ['postgres', 'redis'],
  // The schema changes run before the new version rolls out, against the store it owns.
  migrations: { store: 'postgres', command: ['dotnet', 'Identity.dll', '--migrate'] },
  autoscaling: { min: 2, max: 6 },
  // The token signing key comes from the secret backend, never from the bundle.
  secrets: { Jwt__SigningKey: { remoteKey: 'b2connect/identity', property: 'jwt-signing-key' } },
  settings: {
    Jwt__Issuer: 'https://identity.b2connect.com',
    Jwt__AccessTokenMinutes: '15',
  },
});
