import { describe, expect, it } from 'vitest';
import { canaryBundle, check, goodBundle, ofKind, rollout } from '../../../test/gate-fixtures';
import { rolloutTrafficRoute as rule } from './rollout-traffic-route';

const messages = (objects: any[]) => check(rule, objects).map((f) => f.message);

describe(rule.id, () => {
  it('stays quiet when the route holds the stable and the canary subset and the stable Ingress routes the stable Service', () => {
    expect(check(rule, canaryBundle())).toEqual([]);
  });

  it('stays quiet on a bundle without Rollouts', () => {
    expect(check(rule, goodBundle())).toEqual([]);
  });

  it('fires when the VirtualService is missing', () => {
    expect(messages(canaryBundle().filter((o) => o.kind !== 'VirtualService'))).toEqual(['VirtualService "web" is not in the bundle']);
  });

  it('fires when the named route is missing', () => {
    const objects = canaryBundle();
    ofKind(objects, 'VirtualService').spec.http[0].name = 'main';
    expect(messages(objects)).toEqual(['VirtualService "web" has no HTTP route "primary"']);
  });

  it('fires when the route lacks the canary destination', () => {
    const objects = canaryBundle();
    ofKind(objects, 'VirtualService').spec.http[0].route.pop();
    expect(messages(objects)).toEqual(['route "primary" of VirtualService "web" goes to "stable", not exactly "stable" and "canary"']);
  });

  it('fires when the route has a third destination', () => {
    const objects = canaryBundle();
    const route = ofKind(objects, 'VirtualService').spec.http[0].route;
    route.push({ destination: { host: 'web.default.svc.cluster.local', subset: 'legacy' }, weight: 0 });
    expect(messages(objects)[0]).toMatch(/goes to "stable", "canary", "legacy", not exactly/);
  });

  it('fires when a DestinationRule subset is missing or selects other pods', () => {
    const objects = canaryBundle();
    const subsets = ofKind(objects, 'DestinationRule').spec.subsets;
    subsets[0].labels = { 'app.kubernetes.io/name': 'other' };
    subsets.pop();
    expect(messages(objects)).toEqual([
      'DestinationRule "web" has no subset "stable"',
      'subset "canary" of DestinationRule "web" does not select the Rollout\'s pods',
    ]);
  });

  it('checks the Services as hosts when there is no DestinationRule (host-level split)', () => {
    const objects = canaryBundle();
    delete rollout(objects).spec.strategy.canary.trafficRouting.istio.destinationRule;
    expect(messages(objects)[0]).toMatch(/not exactly "web" and "web-canary"/);
    const route = ofKind(objects, 'VirtualService').spec.http[0].route;
    route[0].destination = { host: 'web' };
    route[1].destination = { host: 'web-canary.default.svc.cluster.local' };
    expect(messages(objects)).toEqual([]);
  });

  it('fires when the stable Ingress is missing or does not route the stable Service', () => {
    expect(messages(canaryBundle().filter((o) => o.kind !== 'Ingress'))).toEqual(['stable Ingress "public" is not in the bundle']);
    const objects = canaryBundle();
    ofKind(objects, 'Ingress').spec.rules[0].http.paths[0].backend.service.name = 'web-canary';
    expect(messages(objects)).toEqual(['stable Ingress "public" has no backend on the stable Service "web"']);
  });
});
