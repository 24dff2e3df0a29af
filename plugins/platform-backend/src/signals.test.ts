import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  SignalPayload,
  signalsServiceRef,
} from '@backstage/plugin-signals-node';
import request from 'supertest';
import {
  ALICE,
  BOB,
  eventually,
  TEAM_A,
  TEAM_B,
  asUser,
  createTestDatabases,
  startWithEngine,
  memoryEngine,
} from './__testUtils__/harness';

jest.setTimeout(60_000);

const databases = createTestDatabases();

const as = asUser;

/** The identity refs the signals backend matches user recipients against. */
const OWNERSHIP: Record<string, string[]> = {
  [ALICE]: [ALICE, TEAM_A],
  [BOB]: [BOB, TEAM_B],
};

/**
 * Records what the platform publishes and answers what a browser signed in as
 * `user` and subscribed to `channel` would receive, the way the signals
 * backend delivers: broadcasts to every subscriber, user recipients to the
 * users whose identity includes one of the refs.
 */
function recordingSignals() {
  const published: SignalPayload[] = [];
  return {
    published,
    received(user: string, channel: string) {
      return published
        .filter(p => p.channel === channel)
        .filter(p => {
          if (p.recipients.type === 'broadcast') return true;
          const refs = [p.recipients.entityRef].flat();
          return refs.some(ref => OWNERSHIP[user].includes(ref));
        })
        .map(p => p.message);
    },
    factory: createServiceFactory({
      service: signalsServiceRef,
      deps: {},
      factory: () => ({
        publish: async (payload: SignalPayload) => {
          published.push(payload);
        },
      }),
    }),
  };
}

describe.each(databases.eachSupportedId())('live signals on %p', databaseId => {
  it('tell a user of another team nothing about a resource they may not read, and still keep its owners live', async () => {
    const signals = recordingSignals();
    const { server, engine } = await startWithEngine(
      databases,
      databaseId,
      memoryEngine(),
      {
        // Users read only their own teams' resources.
        readOnlyOwn: true,
        extraFeatures: [signals.factory],
      },
    );

    const created = await request(server)
      .post('/api/platform/resources')
      .set(as(ALICE))
      .send({
        capabilityRef: 'memory:database',
        name: 'payroll-db',
        environment: 'production',
        owner: TEAM_A,
        component: 'component:default/payroll',
        spec: { size: 'large' },
      });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await eventually(() => engine.applyCount(id) === 1, 'apply');
    engine.report(id, { phase: 'Provisioning' });
    engine.report(id, {
      phase: 'Ready',
      observedGeneration: 1,
      outputs: { host: 'payroll-db.internal' },
    });
    const resourceChannel = `platform:resource:${id}`;
    const entityChannel = 'platform:entity:component:default/payroll';
    await eventually(
      () =>
        signals.received(ALICE, resourceChannel).length >= 3 &&
        signals.received(ALICE, entityChannel).length >= 3,
      'signals for the owner',
    );

    // Bob (team-b) may not read it: the API hides it from him …
    await request(server)
      .get(`/api/platform/resources/${id}`)
      .set(as(BOB))
      .expect(404);

    // … and so do the signals he can subscribe to: whatever reaches him says
    // nothing about the resource, not its id, phase, generation or time.
    for (const channel of [resourceChannel, entityChannel]) {
      for (const message of signals.received(BOB, channel)) {
        const text = JSON.stringify(message);
        expect(text).not.toContain(id);
        expect(text).not.toMatch(/Ready|Provisioning|Pending/);
        expect(message).not.toHaveProperty('phase');
        expect(message).not.toHaveProperty('generation');
        expect(message).not.toHaveProperty('observedGeneration');
        expect(message).not.toHaveProperty('updatedAt');
        expect(message).not.toHaveProperty('resourceId');
      }
    }

    // Alice's browser is told that something changed on both channels and
    // reads the status through the permission check.
    expect(signals.received(ALICE, resourceChannel).length).toBeGreaterThan(0);
    const read = await request(server)
      .get(`/api/platform/resources/${id}`)
      .set(as(ALICE));
    expect(read.status).toBe(200);
    expect(read.body.status.phase).toBe('Ready');
  });
});
