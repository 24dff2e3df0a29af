import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { PlatformResource } from '@trellis/backstage-plugin-platform-common';
import { nowIso } from '../database/knexHelpers';
import { announceDecision, Announcers } from './announcements';
import { ApprovalConfig, PLATFORM_SUBJECT } from './ApprovalRules';
import { applyChange, ChangeApplier } from './applyChange';
import { ChangeRequestStore, StoredChangeRequest } from './ChangeRequestStore';

/**
 * Approved change requests: applying the change and recording the outcome,
 * and finishing those a stopped backend left half done. Applying may run
 * twice for one request and has one effect (see {@link ChangeApplier}).
 */
export class ApprovedChanges {
  constructor(
    private readonly deps: Announcers & {
      changeRequests: ChangeRequestStore;
      /** The lease to apply a change, and how many a recovery claims at once. */
      config: Pick<ApprovalConfig, 'applyLeaseMs' | 'recoveryBatchSize'>;
      auditor: AuditorService;
      logger: LoggerService;
      apply: ChangeApplier;
      /** Called after an approved change landed (dispatch, announce). */
      applied(resource: PlatformResource): Promise<void>;
      now?: () => Date;
    },
  ) {}

  /** The end of a lease to apply an approved change taken now. */
  leaseUntil(): string {
    return new Date(
      this.now().getTime() + this.deps.config.applyLeaseMs,
    ).toISOString();
  }

  /**
   * Applies an approved (decided) change request and records the outcome:
   * approved with its resource, or failed with why.
   */
  async apply(decided: StoredChangeRequest): Promise<StoredChangeRequest> {
    let finished: StoredChangeRequest | undefined;
    try {
      const resource = await applyChange(this.deps.apply, decided);
      finished = await this.deps.changeRequests.finish(decided.id, {
        status: 'approved',
        resourceId: resource.id,
        appliedAt: nowIso(),
      });
      await this.deps.applied(resource);
    } catch (error) {
      const failure = error instanceof Error ? error.message : String(error);
      this.deps.logger.warn(
        `Approved change request ${decided.id} could not be applied: ${failure}`,
      );
      finished = await this.deps.changeRequests.finish(decided.id, {
        status: 'failed',
        failure,
        appliedAt: nowIso(),
      });
    }
    return finished!;
  }

  /**
   * Finishes approved change requests that a stopped backend left
   * unfinished (approved, never recorded as applied, the approver's lease
   * run out): each is claimed by one replica, applied (a change applied
   * before the stop is not applied twice), recorded, audited as the
   * platform's `change-request-apply-recovered` and announced. The number
   * finished.
   */
  async recover(): Promise<number> {
    let recovered = 0;
    for (;;) {
      const claimed = await this.deps.changeRequests.claimUnfinished(
        this.now().toISOString(),
        this.leaseUntil(),
        this.deps.config.recoveryBatchSize,
      );
      for (const cr of claimed) {
        this.deps.logger.info(
          `Change request ${cr.id} was approved by ${cr.decidedBy} but never finished; applying it now`,
        );
        const finished = await this.apply(cr);
        const event = await this.deps.auditor.createEvent({
          eventId: 'change-request-apply-recovered',
          severityLevel: 'high',
          meta: {
            actor: PLATFORM_SUBJECT,
            actorType: 'service',
            changeRequestId: cr.id,
            decidedBy: cr.decidedBy,
            requester: cr.requestedBy,
            operation: cr.operation,
            resource: { ...finished.resource },
            status: finished.status,
            ...(finished.failure ? { failure: finished.failure } : {}),
          },
        });
        await event.success();
        await announceDecision(this.deps, finished);
        recovered += 1;
      }
      if (claimed.length < this.deps.config.recoveryBatchSize) return recovered;
    }
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}
