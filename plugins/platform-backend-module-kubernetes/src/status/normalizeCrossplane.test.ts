import { loadObject, loadStates } from '../__testUtils__/fixtures';
import { normalizeCrossplaneInstance } from './normalizeCrossplane';

describe('normalizeCrossplaneInstance', () => {
  const states = loadStates('crossplane/instance-states.yaml');

  it.each(states.map(s => [s.phase, s.description, s.object] as const))(
    'maps to %s: %s',
    (phase, _description, object) => {
      expect(normalizeCrossplaneInstance(object).phase).toBe(phase);
    },
  );

  it('lists the composite and its composed resources of a claim', () => {
    const claim = states.find(s => s.phase === 'Ready')!.object;
    const composite = loadObject('crossplane/composite.yaml');

    const status = normalizeCrossplaneInstance(claim, composite);

    expect(status.outputs).toEqual({
      endpoint: 'orders-db.abc123.eu-west-1.rds.amazonaws.com',
      compositeResource: 'XMySQL/orders-db-k2x8q',
      composedResources:
        'Instance/orders-db-k2x8q-7sd9f, SubnetGroup/orders-db-k2x8q-xv2lm',
      connectionSecret: 'orders-db-connection',
    });
    expect(status.appliedVersion).toBe('xmysqls-aws-9e07b');
  });

  it('lists the composed resources and revision of a v2 XR', () => {
    const xr = states.find(s => s.object.kind === 'Valkey')!.object;

    const status = normalizeCrossplaneInstance(xr);

    expect(status.outputs).toEqual({
      address: 'sessions-valkey.team-web.svc:6379',
      composedResources: 'Release/sessions-valkey, Secret/sessions-auth',
    });
    expect(status.appliedVersion).toBe('valkeys-helm-0c3d9');
  });

  it('says why reconciliation fails', () => {
    const failed = states.find(s => s.phase === 'Failed')!.object;

    expect(normalizeCrossplaneInstance(failed).message).toMatch(
      /^cannot compose resources/,
    );
  });
});
