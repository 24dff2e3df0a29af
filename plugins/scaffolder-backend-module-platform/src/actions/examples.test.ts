import { mockCredentials } from '@backstage/backend-test-utils';
import {
  TemplateAction,
  TemplateExample,
} from '@backstage/plugin-scaffolder-node';
import { JsonObject } from '@backstage/types';
import { isPendingApproval } from '@trellis/backstage-plugin-platform-common';
import {
  DesiredResource,
  EngineCallContext,
  EngineResourceRef,
} from '@trellis/backstage-plugin-platform-node';
import {
  InMemoryEngine,
  testCapability,
} from '@trellis/backstage-plugin-platform-node/testUtils';
import YAML from 'yaml';
import { createTestContext } from '../__testUtils__/context';
import { startPlatformBackend } from '../__testUtils__/platformBackend';
import { examples as deleteExamples } from './delete.examples';
import { examples as getCapabilityExamples } from './getCapability.examples';
import { createPlatformActions } from './index';
import { examples as requestExamples } from './request.examples';
import { examples as updateExamples } from './update.examples';
import { examples as waitExamples } from './wait.examples';

/**
 * Every example in the actions' documentation (what the template editor and
 * `/create/actions` show, and what people copy) runs here, step by step, as
 * the scaffolder would run it: `${{ … }}` expressions are resolved against
 * the parameters and the earlier steps' outputs, `if:` is honoured, and each
 * `platform:*` step runs its action against the real platform plugin. A
 * reference to an output that the action does not produce fails the test.
 */

const ALICE = mockCredentials.user('user:default/alice');
/** Another person, who approves Alice's change requests. */
const ADMIN = mockCredentials.user('user:default/admin');

/** An engine that provisions at once and reports outputs, like a real one. */
class ProvisioningEngine extends InMemoryEngine {
  async apply(desired: DesiredResource, context?: EngineCallContext) {
    const result = await super.apply(desired, context);
    queueMicrotask(() =>
      this.report(desired.resourceId, {
        phase: 'Ready',
        observedGeneration: desired.generation,
        outputs: { host: `${desired.name}.${this.id}.internal` },
      }),
    );
    return result;
  }

  async delete(resource: EngineResourceRef, context?: EngineCallContext) {
    await super.delete(resource, context);
    queueMicrotask(() => this.finishDelete(resource.resourceId));
  }
}

async function startPlatform() {
  const engines = [
    new ProvisioningEngine({
      id: 'local',
      capabilities: [
        testCapability({
          name: 'postgresql',
          title: 'PostgreSQL',
          version: '16.2',
          versions: ['16.2'],
        }),
        // Marked as needing a person's approval for every change.
        testCapability({
          name: 'vault',
          title: 'Secrets vault',
          requiresApproval: true,
        }),
      ],
    }),
    new ProvisioningEngine({
      id: 'kratix',
      capabilities: [
        testCapability({
          name: 'queue',
          title: 'Queue',
          tags: ['messaging'],
          inputSchema: {
            type: 'object',
            properties: {
              retentionHours: { type: 'integer', minimum: 1, default: 24 },
            },
            additionalProperties: false,
          },
        }),
      ],
    }),
  ];
  return startPlatformBackend(engines);
}

/** Resolves `${{ path }}` like the scaffolder: a whole-value expression keeps its type. */
function render(value: unknown, scope: JsonObject): unknown {
  if (typeof value === 'string') {
    const whole = value.match(/^\$\{\{\s*(.+?)\s*\}\}$/);
    // A comparison with a string, as in `if:`: `path === 'value'`.
    const compared = whole?.[1].match(/^(.+?)\s*(===|!==)\s*'([^']*)'$/);
    if (compared) {
      const equal = lookup(compared[1], scope) === compared[3];
      return compared[2] === '===' ? equal : !equal;
    }
    if (whole) return lookup(whole[1], scope);
    return value.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, path) =>
      String(lookup(path, scope)),
    );
  }
  if (Array.isArray(value)) return value.map(v => render(v, scope));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, render(v, scope)]),
    );
  }
  return value;
}

function lookup(path: string, scope: JsonObject): unknown {
  const keys = [...path.matchAll(/([\w-]+)|\["([^"]+)"\]/g)].map(
    m => m[1] ?? m[2],
  );
  let current: unknown = scope;
  for (const key of keys) {
    current = (current as Record<string, unknown> | undefined)?.[key];
  }
  if (current === undefined) {
    throw new Error(`\${{ ${path} }} resolves to nothing`);
  }
  return current;
}

type Step = {
  id: string;
  action: string;
  if?: unknown;
  input?: JsonObject;
};

async function runExample(
  example: TemplateExample,
  actions: TemplateAction<any, any, any>[],
  parameters: JsonObject,
) {
  const template = YAML.parse(example.example) as {
    steps: Step[];
    output?: unknown;
  };
  const outputs: Record<string, { output: Record<string, unknown> }> = {};
  const ran: string[] = [];
  for (const step of template.steps) {
    const scope = { parameters, steps: outputs } as unknown as JsonObject;
    if (step.if !== undefined && !render(step.if, scope)) continue;
    const input = render(step.input ?? {}, scope) as JsonObject;
    const action = actions.find(a => a.id === step.action);
    if (!action) {
      // Not ours (debug:log and the like): its input must still resolve.
      ran.push(step.action);
      continue;
    }
    const { ctx, outputs: stepOutputs } = createTestContext({
      input,
      credentials: ALICE,
      step: { id: step.id },
      task: { id: `example-${Math.random().toString(36).slice(2)}` },
    });
    await action.handler(ctx);
    outputs[step.id] = { output: stepOutputs() };
    ran.push(step.action);
  }
  // The template's own output (links and the like) must resolve too.
  render(template.output ?? {}, {
    parameters,
    steps: outputs,
  } as unknown as JsonObject);
  return { ran, outputs };
}

describe('the actions’ documented examples', () => {
  let started: Awaited<ReturnType<typeof startPlatform>>;
  let actions: TemplateAction<any, any, any>[];

  beforeEach(async () => {
    started = await startPlatform();
    actions = createPlatformActions(started.platform, {
      wait: { pollIntervalMs: 50 },
    });
  });

  afterEach(async () => {
    await started.backend.stop();
  });

  const request = async (name: string, capabilityRef = 'local:postgresql') => {
    const answer = await started.platform.createResource(
      {
        capabilityRef,
        name,
        environment: 'dev',
        owner: 'group:default/team-a',
      },
      { credentials: ALICE },
    );
    if (isPendingApproval(answer)) throw new Error(`${name} needs approval`);
    return answer;
  };

  it('request: the database is requested as the user, with working links', async () => {
    const { ran, outputs } = await runExample(requestExamples[0], actions, {
      name: 'orders',
      owner: 'group:default/team-a',
    });
    expect(ran).toEqual([
      'platform:resource:request',
      'platform:resource:wait',
    ]);
    const resource = await started.platform.getResource(
      String(outputs.database.output.id),
      { credentials: ALICE },
    );
    expect(resource).toMatchObject({
      requestedBy: 'user:default/alice',
      component: 'component:default/orders',
      spec: { size: 'small', replicas: 1 },
    });
    expect(outputs['database-ready'].output).toMatchObject({ phase: 'Ready' });
  });

  it('request: another run with the same idempotency key answers with the same queue', async () => {
    const first = await runExample(requestExamples[1], actions, {});
    const again = await runExample(requestExamples[1], actions, {});
    expect(again.outputs.queue.output.id).toBe(first.outputs.queue.output.id);
    const page = await started.platform.listResources(
      {},
      { credentials: ALICE },
    );
    expect(page.totalCount).toBe(1);
  });

  it('wait: the database is Ready and its host is in the outputs', async () => {
    const { ran, outputs } = await runExample(waitExamples[0], actions, {});
    expect(ran).toEqual([
      'platform:resource:request',
      'platform:resource:wait',
      'debug:log',
    ]);
    expect(outputs['database-ready'].output).toMatchObject({
      phase: 'Ready',
      outputs: { host: 'orders-db.local.internal' },
    });
  });

  it.each([
    ['wait', waitExamples[1]],
    ['delete', deleteExamples[0]],
  ])('%s: the deleted resource ends Deleted', async (_, example) => {
    const { resource } = await request('old-db');
    const { outputs } = await runExample(example, actions, {
      resourceId: resource.id,
    });
    expect(outputs.deleted.output).toMatchObject({ phase: 'Deleted' });
  });

  it('update: the resize is applied', async () => {
    const { resource } = await request('sized-db');
    const { outputs } = await runExample(updateExamples[0], actions, {
      resourceId: resource.id,
      size: 'large',
    });
    expect(outputs.resized.output).toMatchObject({ phase: 'Ready' });
    const now = await started.platform.getResource(resource.id, {
      credentials: ALICE,
    });
    expect(now.spec).toEqual({ size: 'large', replicas: 2 });
  });

  it('update: based on the reviewed generation, and refused once it moved on', async () => {
    const { resource } = await request('events', 'kratix:queue');
    await runExample(updateExamples[1], actions, {
      resourceId: resource.id,
      reviewedGeneration: resource.generation,
    });
    const updated = await started.platform.getResource(resource.id, {
      credentials: ALICE,
    });
    expect(updated.spec).toEqual({ retentionHours: 48 });

    // Somebody else changes it after the user reviewed generation 2.
    await started.platform.updateResource(
      resource.id,
      { spec: { retentionHours: 12 }, generation: updated.generation },
      { credentials: ALICE },
    );
    await expect(
      runExample(updateExamples[1], actions, {
        resourceId: resource.id,
        reviewedGeneration: updated.generation,
      }),
    ).rejects.toThrow(/based on generation/);
  });

  it('capability: requests only when the engine offers it', async () => {
    const { ran } = await runExample(getCapabilityExamples[0], actions, {});
    expect(ran).toEqual([
      'platform:capability:get',
      'platform:resource:request',
    ]);
  });

  it('request: a capability that needs approval gives a change request, and the wait is skipped', async () => {
    const { ran, outputs } = await runExample(requestExamples[2], actions, {
      name: 'orders',
      owner: 'group:default/team-a',
    });
    expect(ran).toEqual(['platform:resource:request']);
    expect(outputs.secrets.output).toMatchObject({
      approvalStatus: 'needs-approval',
      changeRequestId: expect.stringMatching(/^\d+$/),
      link: `/platform/approvals/${outputs.secrets.output.changeRequestId}`,
    });
    const cr = await started.platform.getChangeRequest(
      String(outputs.secrets.output.changeRequestId),
      { credentials: ALICE },
    );
    expect(cr).toMatchObject({
      operation: 'create',
      status: 'pending',
      requestedBy: 'user:default/alice',
      reasons: ['capability'],
    });
    const page = await started.platform.listResources(
      {},
      { credentials: ALICE },
    );
    expect(page.totalCount).toBe(0);
  });

  it('delete: waits when the delete was made, links the change request when it needs approval', async () => {
    const { resource } = await request('plain-db');
    const plain = await runExample(deleteExamples[1], actions, {
      resourceId: resource.id,
    });
    expect(plain.ran).toEqual([
      'platform:resource:delete',
      'platform:resource:wait',
    ]);
    expect(plain.outputs.deleted.output).toMatchObject({ phase: 'Deleted' });

    // A vault: its create was approved by someone else; its delete waits.
    const asked = await started.platform.createResource(
      {
        capabilityRef: 'local:vault',
        name: 'orders-secrets',
        environment: 'dev',
        owner: 'group:default/team-a',
      },
      { credentials: ALICE },
    );
    if (!isPendingApproval(asked)) throw new Error('the vault needs approval');
    const created = await started.platform.approveChangeRequest(
      asked.changeRequest.id,
      {},
      { credentials: ADMIN },
    );
    const vaultId = created.resource.id!;
    const guarded = await runExample(deleteExamples[1], actions, {
      resourceId: vaultId,
    });
    expect(guarded.ran).toEqual(['platform:resource:delete', 'debug:log']);
    expect(guarded.outputs.delete.output).toMatchObject({
      approvalStatus: 'needs-approval',
      link: `/platform/approvals/${guarded.outputs.delete.output.changeRequestId}`,
    });
    const still = await started.platform.getResource(vaultId, {
      credentials: ALICE,
    });
    expect(still.status.phase).not.toMatch(/^Delet/);
  });
});
