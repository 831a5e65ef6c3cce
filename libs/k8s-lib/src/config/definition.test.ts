import { describe, expect, it } from 'vitest';
import { WebServiceSpecSchema } from './definition';

const base = { name: 'svc', team: 't', image: { repository: 'b2connect/svc' }, ports: { http: 8080 } };

describe('web service schema', () => {
  it("owns the health defaults: the platform's endpoints on the http port", () => {
    expect(WebServiceSpecSchema.parse(base).health).toEqual({ readiness: '/health/ready', liveness: '/health/live', port: 'http' });
    expect(WebServiceSpecSchema.parse({ ...base, health: { readiness: '/ready' } }).health).toEqual({
      readiness: '/ready',
      liveness: '/health/live',
      port: 'http',
    });
  });

  it('fails when the defaults would make readiness and liveness the same endpoint', () => {
    const result = WebServiceSpecSchema.safeParse({ ...base, health: { readiness: '/health/live' } });
    expect(result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      expect.stringMatching(/^health\.liveness: must differ from health\.readiness/),
    ]);
  });
});
