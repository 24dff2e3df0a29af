import { BackstageCredentials } from '@backstage/backend-plugin-api';

/**
 * Who is calling, as the history, the audit log and idempotency keys record
 * it: a user's entity ref, a service's subject, or the principal's type.
 */
export function principalOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (principal.type === 'user' && principal.userEntityRef) {
    return principal.userEntityRef;
  }
  if (principal.type === 'service' && principal.subject) {
    return principal.subject;
  }
  return principal.type;
}

/**
 * What the audit log adds to the actor: whether a user or a service acted,
 * and which service acted on a user's behalf (`via`: `plugin:mcp-actions`
 * for an agent signed in as the user, `plugin:scaffolder` for a template
 * run). An agent with its own token arrives as the service that forwarded
 * it (`plugin:mcp-actions`), with no `via`.
 */
export function actorDetails(credentials: BackstageCredentials): {
  actorType: string;
  via?: string;
} {
  const principal = credentials.principal as {
    type: string;
    actor?: { subject?: string };
  };
  const via = principal.type === 'user' ? principal.actor?.subject : undefined;
  return via
    ? { actorType: principal.type, via }
    : { actorType: principal.type };
}
