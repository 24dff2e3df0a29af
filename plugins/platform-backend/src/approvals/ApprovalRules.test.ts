import { mockServices } from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/types';
import { readApprovalConfig } from './ApprovalRules';

const read = (approvals: JsonObject = {}) =>
  readApprovalConfig(
    mockServices.rootConfig({ data: { platform: { approvals } } }),
  );

describe('readApprovalConfig', () => {
  it('gives an approver a minute to apply and recovers 20 at a time by default', () => {
    expect(read()).toMatchObject({
      applyLeaseMs: 60_000,
      recoveryBatchSize: 20,
    });
  });

  it('reads platform.approvals.applyLeaseSeconds and recoveryBatchSize', () => {
    expect(
      read({ applyLeaseSeconds: 300, recoveryBatchSize: 5 }),
    ).toMatchObject({ applyLeaseMs: 300_000, recoveryBatchSize: 5 });
  });

  it('refuses a lease or batch that could never finish anything', () => {
    expect(() => read({ applyLeaseSeconds: 0 })).toThrow(
      'platform.approvals.applyLeaseSeconds must be a positive number of seconds, not 0',
    );
    expect(() => read({ recoveryBatchSize: 0 })).toThrow(
      'platform.approvals.recoveryBatchSize must be a whole number of at least 1, not 0',
    );
    expect(() => read({ recoveryBatchSize: 2.5 })).toThrow(/not 2.5/);
  });
});
