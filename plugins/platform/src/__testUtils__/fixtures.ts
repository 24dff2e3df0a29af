import {
  Capability,
  PlatformResource,
  ResourceEvent,
  Rollout,
} from '@trellis/backstage-plugin-platform-common';

/** Where the tests' platform API lives; msw handlers match below it. */
export const API = 'http://localhost:7007/api/platform';

export const postgres: Capability = {
  ref: 'local:postgresql',
  engine: 'local',
  name: 'postgresql',
  title: 'PostgreSQL database',
  description: 'A managed PostgreSQL database with daily backups.',
  version: '16.2',
  versions: ['15.6', '16.2'],
  inputSchema: {
    type: 'object',
    required: ['size'],
    properties: {
      size: {
        type: 'string',
        enum: ['small', 'medium', 'large'],
        default: 'small',
        description: 'How much CPU and memory the database gets.',
      },
      storageGb: {
        type: 'integer',
        minimum: 1,
        maximum: 1000,
        default: 10,
        description: 'Disk size in GiB.',
      },
      highAvailability: {
        type: 'boolean',
        default: false,
        description: 'Run a standby replica.',
      },
      backup: {
        type: 'object',
        description: 'When backups run.',
        properties: {
          schedule: {
            type: 'string',
            default: '0 3 * * *',
            description: 'Cron schedule of the daily backup.',
          },
        },
      },
    },
  },
  available: true,
  owner: 'group:default/platform-team',
  tags: ['database', 'sql'],
  links: [{ url: 'https://example.com/docs/postgres', title: 'Runbook' }],
};

export const queue: Capability = {
  ref: 'kratix:rabbitmq.messaging',
  engine: 'kratix',
  name: 'rabbitmq.messaging',
  title: 'Message queue',
  description: 'A RabbitMQ virtual host.',
  version: '3.13',
  versions: ['3.13'],
  inputSchema: { type: 'object', properties: {} },
  available: false,
  availabilityMessage: 'The Kratix cluster is unreachable',
  tags: ['messaging'],
  links: [],
};

export function makeResource(
  overrides: Partial<PlatformResource> = {},
): PlatformResource {
  return {
    id: 'res-1',
    capabilityRef: postgres.ref,
    name: 'orders-db',
    environment: 'dev',
    owner: 'group:default/team-a',
    requestedBy: 'user:default/alice',
    component: 'component:default/checkout-service',
    spec: { size: 'small', storageGb: 20 },
    generation: 2,
    observedGeneration: 2,
    status: {
      phase: 'Provisioning',
      message: 'Creating the database',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Creating',
          message: 'Waiting for the pipeline',
          lastTransitionTime: '2024-05-01T10:00:00Z',
        },
      ],
    },
    outputs: {},
    appliedVersion: '16.2',
    engineRef: { id: 'local-orders-db' },
    createdAt: '2024-05-01T09:59:00Z',
    updatedAt: '2024-05-01T10:00:00Z',
    ...overrides,
  };
}

export const history: ResourceEvent[] = [
  {
    id: 'e1',
    resourceId: 'res-1',
    type: 'requested',
    at: '2024-05-01T09:59:00Z',
    actor: 'user:default/alice',
  },
  {
    id: 'e2',
    resourceId: 'res-1',
    type: 'phase-changed',
    at: '2024-05-01T10:00:00Z',
    fromPhase: 'Pending',
    toPhase: 'Provisioning',
    reason: 'Dispatched',
  },
];

export function makeRollout(overrides: Partial<Rollout> = {}): Rollout {
  return {
    id: 'ro-1',
    capabilityRef: postgres.ref,
    targetVersion: '16.2',
    waveSize: 2,
    pauseSeconds: 0,
    status: 'Running',
    currentWave: 1,
    waveCount: 2,
    createdBy: 'user:default/admin',
    createdAt: '2024-05-02T10:00:00Z',
    updatedAt: '2024-05-02T10:05:00Z',
    items: [
      {
        resourceId: 'r1',
        resourceName: 'a-db',
        environment: 'dev',
        wave: 0,
        status: 'Succeeded',
        fromVersion: '15.6',
      },
      {
        resourceId: 'r2',
        resourceName: 'b-db',
        environment: 'dev',
        wave: 0,
        status: 'Succeeded',
        fromVersion: '15.6',
      },
      {
        resourceId: 'r3',
        resourceName: 'c-db',
        environment: 'staging',
        wave: 1,
        status: 'Upgrading',
        fromVersion: '15.6',
      },
      {
        resourceId: 'r4',
        resourceName: 'd-db',
        environment: 'staging',
        wave: 1,
        status: 'Pending',
        fromVersion: '15.6',
      },
    ],
    ...overrides,
  };
}

/** Backstage's error body, as the platform backend answers. */
export function errorBody(name: string, message: string) {
  return { error: { name, message }, response: { statusCode: 0 } };
}
