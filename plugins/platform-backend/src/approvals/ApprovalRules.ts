import { RootConfigService } from '@backstage/backend-plugin-api';
import {
  ApprovalReason,
  Capability,
  ChangeRequestOperation,
  platformResourceChangeWithoutApprovalPermission,
  PlatformResource,
} from '@trellis/backstage-plugin-platform-common';
import { PlatformCallOptions } from '@trellis/backstage-plugin-platform-node';
import { ResourceAccess } from '../service/ResourceAccess';

/** `platform.approvals` in app-config. */
export interface ApprovalConfig {
  /** `required` (default): changes by services acting for nobody need approval. */
  servicePrincipals: 'required' | 'allowed';
  /** Service subjects exempt from the service-principal rule. */
  trustedServices: string[];
  /** How long a change request waits before it expires. */
  expiresAfterMs: number;
  /** Entity refs told about new change requests (besides the resource's owner). */
  approvers: string[];
  /**
   * How long an approver (or a recovery) has to apply an approved change
   * before a recovery may take it over.
   */
  applyLeaseMs: number;
  /** Unfinished approvals a recovery claims at a time. */
  recoveryBatchSize: number;
}

const DEFAULT_EXPIRY_MS = 3 * 24 * 60 * 60 * 1000;
/** Applying is a few database writes: a minute is plenty. */
const DEFAULT_APPLY_LEASE_SECONDS = 60;
const DEFAULT_RECOVERY_BATCH = 20;

/** The platform's own subject: its own calls (the demo estate) are trusted. */
export const PLATFORM_SUBJECT = 'plugin:platform';

const UNIT_MS: Record<string, number> = {
  milliseconds: 1,
  seconds: 1000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 7 * 86_400_000,
};

/** A HumanDuration in config (`{ days: 3 }`, `{ hours: 1, minutes: 30 }`) in ms. */
function durationMs(config: RootConfigService, key: string): number {
  const duration = config.getConfig(key);
  let total = 0;
  for (const unit of duration.keys()) {
    if (!(unit in UNIT_MS)) {
      throw new Error(
        `${key}: unknown unit '${unit}' (use ${Object.keys(UNIT_MS).join(
          ', ',
        )})`,
      );
    }
    total += duration.getNumber(unit) * UNIT_MS[unit];
  }
  return total;
}

export function readApprovalConfig(config: RootConfigService): ApprovalConfig {
  const approvals = config.getOptionalConfig('platform.approvals');
  const servicePrincipals =
    approvals?.getOptionalString('servicePrincipals') ?? 'required';
  if (servicePrincipals !== 'required' && servicePrincipals !== 'allowed') {
    throw new Error(
      `platform.approvals.servicePrincipals must be 'required' or 'allowed', not '${servicePrincipals}'`,
    );
  }
  const expiresAfterMs = approvals?.has('expiresAfter')
    ? durationMs(config, 'platform.approvals.expiresAfter')
    : DEFAULT_EXPIRY_MS;
  if (!(expiresAfterMs > 0)) {
    throw new Error(
      'platform.approvals.expiresAfter must be a positive duration',
    );
  }
  const applyLeaseSeconds =
    approvals?.getOptionalNumber('applyLeaseSeconds') ??
    DEFAULT_APPLY_LEASE_SECONDS;
  if (!(applyLeaseSeconds > 0)) {
    throw new Error(
      `platform.approvals.applyLeaseSeconds must be a positive number of seconds, not ${applyLeaseSeconds}`,
    );
  }
  const recoveryBatchSize =
    approvals?.getOptionalNumber('recoveryBatchSize') ?? DEFAULT_RECOVERY_BATCH;
  if (!Number.isInteger(recoveryBatchSize) || recoveryBatchSize < 1) {
    throw new Error(
      `platform.approvals.recoveryBatchSize must be a whole number of at least 1, not ${recoveryBatchSize}`,
    );
  }
  return {
    servicePrincipals,
    trustedServices: approvals?.getOptionalStringArray('trustedServices') ?? [],
    expiresAfterMs,
    approvers: approvals?.getOptionalStringArray('approvers') ?? [
      'group:default/platform-team',
    ],
    applyLeaseMs: applyLeaseSeconds * 1000,
    recoveryBatchSize,
  };
}

/**
 * When a change needs a person's approval (issue 13, item 3). Any of:
 * 1. a service principal acting for nobody (the permission framework allows
 *    services without asking the policy, so this rule lives here);
 * 2. the policy denies `platform.resource.change.withoutApproval` for the
 *    resource (updates and deletes; Trellis' policy: production);
 * 3. the capability is marked `trellis.dev/requires-approval`.
 */
export class ApprovalRules {
  constructor(
    private readonly config: ApprovalConfig,
    private readonly access: ResourceAccess,
  ) {}

  async reasons(
    operation: ChangeRequestOperation,
    resource: PlatformResource,
    capability: Capability | undefined,
    options: PlatformCallOptions,
  ): Promise<ApprovalReason[]> {
    const reasons: ApprovalReason[] = [];
    const principal = options.credentials.principal as {
      type: string;
      subject?: string;
    };
    if (
      principal.type === 'service' &&
      this.config.servicePrincipals === 'required' &&
      principal.subject !== PLATFORM_SUBJECT &&
      !this.config.trustedServices.includes(principal.subject ?? '')
    ) {
      reasons.push('service-principal');
    }
    // The permission's action is `update`: the policy is asked about changes
    // of existing resources. Creates need approval by rules 1 and 3.
    if (
      operation !== 'create' &&
      !(await this.access.allowed(
        platformResourceChangeWithoutApprovalPermission,
        resource,
        options,
      ))
    ) {
      reasons.push('policy');
    }
    if (capability?.requiresApproval) reasons.push('capability');
    return reasons;
  }
}
