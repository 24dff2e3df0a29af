import { loadStates } from '../__testUtils__/fixtures';
import { normalizeKratixRequest } from './normalizeKratix';

describe('normalizeKratixRequest', () => {
  const states = loadStates('kratix/request-states.yaml');

  it.each(states.map(s => [s.phase, s.description, s.object] as const))(
    'maps to %s: %s',
    (phase, _description, object) => {
      expect(normalizeKratixRequest(object).phase).toBe(phase);
    },
  );

  it('covers every state the fixtures show', () => {
    expect(new Set(states.map(s => s.phase))).toEqual(
      new Set([
        'Ready',
        'Provisioning',
        'Updating',
        'Failed',
        'Degraded',
        'Paused',
        'Deleting',
        'Pending',
      ]),
    );
  });

  it('publishes the status fields a pipeline wrote, not Kratix bookkeeping', () => {
    const ready = states.find(s => s.phase === 'Ready')!.object;

    const status = normalizeKratixRequest(ready);

    expect(status.outputs).toEqual({
      'connectionDetails.host': 'billing-db.team-billing.svc',
      'connectionDetails.port': 5432,
    });
    expect(status.message).toBe('Database billing-db is ready (10Gi)');
    expect(status.appliedVersion).toBe('v1.2.0');
    expect(status.generationObserved).toBe(true);
    expect(status.conditions.map(c => `${c.type}=${c.status}`)).toEqual([
      'ConfigureWorkflowCompleted=True',
      'WorksSucceeded=True',
      'Reconciled=True',
    ]);
  });

  it('says why a request failed', () => {
    const failed = states.find(s => s.phase === 'Failed')!.object;

    expect(normalizeKratixRequest(failed).message).toBe(
      'A Configure Pipeline has failed: instance-configure',
    );
  });

  it('says that the delete workflow failed while deleting', () => {
    const deleting = states.find(s => s.phase === 'Deleting')!.object;

    expect(normalizeKratixRequest(deleting).message).toMatch(
      /delete workflow failed \(DeleteWorkflowFailed\): A Delete Pipeline has failed: instance-delete/,
    );
  });

  it('reports a spec Kratix has not seen yet as not observed', () => {
    const unseen = states.find(s =>
      s.description.startsWith('The spec changed'),
    )!;

    expect(normalizeKratixRequest(unseen.object).generationObserved).toBe(
      false,
    );
  });
});
