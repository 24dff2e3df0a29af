import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { toError } from '@backstage/errors';
import { PlatformCallOptions } from '@trellis/backstage-plugin-platform-node';
import { actorDetails, principalOf } from './principal';

/** Options that the HTTP layer adds to in-process calls. */
export interface AuditContext {
  /** The HTTP request, for the auditor's actor and request details. */
  request?: Parameters<AuditorService['createEvent']>[0]['request'];
}

type AuditMeta = Parameters<AuditorService['createEvent']>[0]['meta'];
type AuditSeverity = Parameters<
  AuditorService['createEvent']
>[0]['severityLevel'];

/** What one audited mutation records. */
export interface AuditedCall<T> {
  eventId: string;
  severityLevel: AuditSeverity;
  options: PlatformCallOptions & AuditContext;
  /** Recorded when the call starts, with the actor. */
  meta: AuditMeta;
  /** Recorded when the call succeeds. */
  successMeta?: (result: T) => AuditMeta;
}

/**
 * Runs `run` as one audited mutation: an auditor event that succeeds with
 * `successMeta(result)` or fails with the error, which is rethrown.
 */
export async function audited<T>(
  deps: { auditor: AuditorService; logger: LoggerService },
  call: AuditedCall<T>,
  run: () => Promise<T>,
): Promise<T> {
  const { eventId, severityLevel, options, meta, successMeta } = call;
  const auditEvent = await deps.auditor.createEvent({
    eventId,
    severityLevel,
    request: options.request,
    meta: {
      actor: principalOf(options.credentials),
      ...actorDetails(options.credentials),
      ...meta,
    },
  });
  try {
    const result = await run();
    await auditEvent.success(
      successMeta ? { meta: successMeta(result) } : undefined,
    );
    return result;
  } catch (error) {
    // Audit records keep what failed and why; the stack is for debugging.
    const failure = toError(error);
    deps.logger.debug(`${eventId} failed`, failure);
    await auditEvent.fail({
      error: { name: failure.name, message: failure.message },
    });
    throw error;
  }
}
