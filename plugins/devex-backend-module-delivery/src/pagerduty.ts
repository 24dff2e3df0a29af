import { Config } from '@backstage/config';
import {
  RequestDetails,
  RequestValidationContext,
  RequestValidator,
} from '@backstage/plugin-events-node';
import { createHmac, timingSafeEqual } from 'crypto';

/**
 * The HTTP ingress validator of PagerDuty v3 webhooks: the
 * `X-PagerDuty-Signature` header lists one or more `v1=<hex>` signatures
 * (several while a secret is rotated), each an HMAC-SHA256 of the raw body
 * with the subscription's secret; one must match a configured secret.
 * Without `events.modules.pagerduty.webhookSecret(s)` there is no check.
 */
export function createPagerdutySignatureValidator(
  config: Config,
): RequestValidator | undefined {
  const secrets = [
    ...(config.getOptionalStringArray(
      'events.modules.pagerduty.webhookSecrets',
    ) ?? []),
    ...[
      config.getOptionalString('events.modules.pagerduty.webhookSecret'),
    ].filter((s): s is string => !!s),
  ];
  if (secrets.length === 0) return undefined;
  return async (request: RequestDetails, context: RequestValidationContext) => {
    const header = request.headers['x-pagerduty-signature'];
    const value = Array.isArray(header) ? header.join(',') : header;
    const signatures = (value ?? '')
      .split(',')
      .map(s => s.trim())
      .filter(s => s.startsWith('v1='))
      .map(s => Buffer.from(s.slice(3), 'hex'));
    const ok = secrets.some(secret => {
      const expected = createHmac('sha256', secret)
        .update(request.raw.body)
        .digest();
      return signatures.some(
        s => s.length === expected.length && timingSafeEqual(s, expected),
      );
    });
    if (!ok) {
      context.reject({
        status: 401,
        payload: {
          message: value
            ? 'X-PagerDuty-Signature: no v1 signature matches'
            : 'X-PagerDuty-Signature: missing',
        },
      });
    }
  };
}
