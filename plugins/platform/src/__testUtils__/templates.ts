import { Entity } from '@backstage/catalog-model';
import { ScaffolderTask } from '@backstage/plugin-scaffolder-common';

export const platformTemplate: Entity = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: {
    name: 'request-local-postgresql',
    title: 'Request PostgreSQL database',
    annotations: { 'backstage.io/time-saved': 'PT2H' },
  },
  spec: {
    steps: [
      { id: 'request', action: 'platform:resource:request' },
      { id: 'wait', action: 'platform:resource:wait' },
      { id: 'log', action: 'debug:log' },
    ],
  },
};

export const otherTemplate: Entity = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'docs-site' },
  spec: { steps: [{ id: 'fetch', action: 'fetch:template' }] },
};

export function task(
  status: ScaffolderTask['status'],
  seconds: number | undefined,
  templateRef = 'template:default/request-local-postgresql',
): ScaffolderTask {
  const createdAt = '2024-05-01T10:00:00.000Z';
  return {
    id: `${status}-${seconds}-${Math.random()}`,
    status,
    createdAt,
    lastHeartbeatAt:
      seconds === undefined
        ? undefined
        : new Date(Date.parse(createdAt) + seconds * 1000).toISOString(),
    spec: {
      apiVersion: 'scaffolder.backstage.io/v1beta3',
      parameters: {},
      steps: [],
      output: {},
      templateInfo: { entityRef: templateRef },
    },
  } as ScaffolderTask;
}
