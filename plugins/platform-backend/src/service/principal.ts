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
