import {
  ConflictError,
  InputError,
  isError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';

/** Bad input, in one wording whether the schema or the service found it. */
export function invalidInput(problems: string): InputError {
  return new InputError(
    `Invalid input: ${problems}. Correct the named field and call again`,
  );
}

/**
 * The platform service's error as an agent should read it: the same type
 * (so the status and the MCP error name stay right), the service's message
 * first (it names the field, the permission or the resource), then what to
 * do about it. Other errors pass through unchanged.
 */
export function toActionError(error: unknown): unknown {
  if (!isError(error)) return error;
  switch (error.name) {
    case 'InputError':
      return invalidInput(error.message);
    case 'NotAllowedError':
      // A refusal is final; a change that needs a person's approval is not
      // refused (it answers needs-approval), so this is the policy's no.
      return new NotAllowedError(
        `Refused by the platform's permission policy: ${error.message}. This is not a fault to retry: the owning team or a platform administrator can make this change`,
      );
    case 'NotFoundError':
      return new NotFoundError(
        `${error.message}, or you may not read it. Find ids with platform.list-resources, platform.list-capabilities or platform.list-rollouts`,
      );
    case 'ConflictError':
      if (/change request \d+/.test(error.message)) {
        // One pending change request per resource, or a decided one.
        return new ConflictError(
          `Conflict: ${error.message}. Follow it with platform.get-change-request; change the resource again once it is decided`,
        );
      }
      return new ConflictError(
        `Conflict: ${error.message}. Read the current state (platform.get-resource) and decide again; a spec update needs the current generation`,
      );
    default:
      return error;
  }
}
