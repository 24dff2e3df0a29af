import { DevexFactKind } from '@trellis/backstage-plugin-devex-common';
import { JsonObject } from '@backstage/types';
import { obj, Obj, optStr, seconds, str, time } from './fields';
import { Interpretation } from './types';

/** PagerDuty v3 webhooks: incident.triggered and incident.resolved. */
export function interpretPagerduty(payload: unknown): Interpretation {
  const body = obj(payload, 'body');
  const event = obj(body.event, 'event');
  const eventType = str(event, 'event_type', 'event');
  if (eventType !== 'incident.triggered' && eventType !== 'incident.resolved') {
    return { ignored: `PagerDuty ${eventType}` };
  }
  const occurredAt = time(event, 'occurred_at', 'event');
  const data = obj(event.data, 'event.data');
  const incidentId = str(data, 'id', 'event.data');
  const service = obj(data.service, 'event.data.service');
  let openedAt: string | undefined;
  if (optStr(data, 'created_at')) {
    openedAt = time(data, 'created_at', 'event.data');
  } else if (eventType === 'incident.triggered') {
    openedAt = occurredAt;
  }
  const attributes: JsonObject = {
    provider: 'pagerduty',
    id: incidentId,
    title: str(data, 'title', 'event.data'),
    url: optStr(data, 'html_url') ?? null,
    severity:
      optStr(data, 'urgency') ??
      (typeof data.priority === 'object' && data.priority
        ? optStr(data.priority as Obj, 'summary') ?? null
        : null),
    openedAt: openedAt ?? null,
  };
  const common = {
    subject: `pagerduty:incident/${incidentId}`,
    pagerdutyService: str(service, 'id', 'event.data.service'),
  };
  if (eventType === 'incident.triggered') {
    return {
      facts: [
        {
          ...common,
          sourceId: `pagerduty:incident/${incidentId}/opened`,
          kind: DevexFactKind.deliveryIncidentOpened,
          time: openedAt ?? occurredAt,
          attributes,
        },
      ],
    };
  }
  return {
    facts: [
      {
        ...common,
        sourceId: `pagerduty:incident/${incidentId}/resolved/${str(
          event,
          'id',
          'event',
        )}`,
        kind: DevexFactKind.deliveryIncidentResolved,
        time: occurredAt,
        value: seconds(openedAt, occurredAt),
        attributes: { ...attributes, resolvedAt: occurredAt },
      },
    ],
  };
}
