import { InstanceRecord } from '../state/types';
import { nextAction } from './nextAction';

const now = Date.parse('2026-01-01T00:00:00Z');

function record(patch: Partial<InstanceRecord> = {}): InstanceRecord {
  return {
    resourceId: 'r1',
    capability: 'widget',
    name: 'w',
    environment: 'dev',
    desired: {
      owner: 'group:default/a',
      requestedBy: 'user:default/b',
      spec: {},
      generation: 2,
      version: 'v1',
    },
    status: {
      phase: 'Ready',
      observedGeneration: 1,
      conditions: [],
      outputs: {},
    },
    createdAt: '',
    updatedAt: '',
    ...patch,
  };
}

describe('nextAction', () => {
  it('configures a generation or version that was not reconciled yet', () => {
    expect(nextAction(record(), now, 3)).toEqual({ type: 'configure' });
    expect(nextAction(record({ reconciled: '2@v0' }), now, 3)).toEqual({
      type: 'configure',
    });
  });

  it('does nothing when the desired state is reconciled', () => {
    expect(nextAction(record({ reconciled: '2@v1' }), now, 3)).toEqual({
      type: 'none',
    });
  });

  it('waits for the backoff, then retries, then gives up', () => {
    const failing = (count: number, retryAt: number) =>
      record({
        failures: {
          work: '2@v1',
          count,
          retryAt: new Date(retryAt).toISOString(),
        },
      });

    expect(nextAction(failing(1, now + 500), now, 3)).toEqual({
      type: 'wait',
      delayMs: 500,
    });
    expect(nextAction(failing(1, now - 1), now, 3)).toEqual({
      type: 'configure',
    });
    expect(nextAction(failing(4, now - 1), now, 3)).toEqual({ type: 'none' });
  });

  it('gives up at once after a permanent failure, until the desired state changes', () => {
    const failures = { work: '2@v1', count: 1, permanent: true };
    expect(nextAction(record({ failures }), now, 3)).toEqual({ type: 'none' });
    expect(
      nextAction(record({ failures: { ...failures, work: '1@v1' } }), now, 3),
    ).toEqual({ type: 'configure' });
  });

  it('forgets failures of an older desired state', () => {
    const r = record({ failures: { work: '1@v1', count: 9 } });
    expect(nextAction(r, now, 3)).toEqual({ type: 'configure' });
  });

  it('deletes once deletion was requested, even when reconciled', () => {
    const r = record({ reconciled: '2@v1', deletionRequestedAt: 'x' });
    expect(nextAction(r, now, 3)).toEqual({ type: 'delete' });
    expect(
      nextAction({ ...r, failures: { work: 'delete', count: 4 } }, now, 3),
    ).toEqual({ type: 'none' });
  });
});
