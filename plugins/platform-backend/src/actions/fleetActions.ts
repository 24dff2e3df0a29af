import { Rollout } from '@trellis/backstage-plugin-platform-common';
import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import { platformAction, Zod } from './platformAction';
import { phaseEnum, rolloutSchema, toRolloutOutput } from './schemas';

const rolloutIdInput = (z: Zod) =>
  z.object({
    id: z
      .string()
      .min(1)
      .describe('The rollout id, as platform.start-rollout returns it'),
  });

/** The fleet across instances, and day-2 rollouts over it. */
export function fleetActions(service: PlatformService) {
  const answer = async (rollout: Promise<Rollout>) => ({
    rollout: toRolloutOutput(await rollout),
  });
  return [
    platformAction({
      name: 'get-fleet-summary',
      title: 'Get the platform fleet summary',
      description:
        'Counts the resources you may read by capability, version and phase: which versions run where, and how many instances are unhealthy.',
      attributes: { readOnly: true, idempotent: true, destructive: false },
      input: z =>
        z.object({
          capabilityRef: z
            .string()
            .optional()
            .describe('Only this capability, e.g. local:database'),
        }),
      output: z =>
        z.object({
          counts: z
            .array(
              z.object({
                capabilityRef: z.string().describe('The capability'),
                version: z
                  .string()
                  .nullable()
                  .describe(
                    'The version instances report (null: not yet known)',
                  ),
                phase: phaseEnum(z).describe('Their phase'),
                count: z.number().describe('How many instances'),
              }),
            )
            .describe('One entry per capability, version and phase'),
        }),
      async run({ input, credentials }) {
        const summary = await service.getFleetSummary({ credentials });
        return {
          counts: summary.items
            .filter(
              item =>
                !input.capabilityRef ||
                item.capabilityRef === input.capabilityRef,
            )
            .map(item => ({
              capabilityRef: item.capabilityRef,
              version: item.version ?? null,
              phase: item.phase,
              count: item.count,
            })),
        };
      },
    }),
    platformAction({
      name: 'start-rollout',
      title: 'Start a rollout',
      description:
        'Upgrades the instances of a capability to a target version in waves: non-production environments first, production last, pausing between waves and pausing the rollout when an instance fails. Follow it with platform.get-rollout.',
      attributes: { readOnly: false, idempotent: false, destructive: true },
      input: z =>
        z.object({
          capabilityRef: z
            .string()
            .min(1)
            .describe('The capability whose instances to upgrade'),
          targetVersion: z
            .string()
            .min(1)
            .describe(
              'The version to move them to (see platform.get-capability versions)',
            ),
          waveSize: z
            .number()
            .int()
            .min(1)
            .optional()
            .describe('Instances per wave (default 5)'),
          pauseSeconds: z
            .number()
            .int()
            .min(0)
            .optional()
            .describe('Seconds to wait between waves (default 0)'),
          environments: z
            .array(z.string().min(1))
            .optional()
            .describe('Only instances in these environments (default all)'),
        }),
      output: z =>
        z.object({ rollout: rolloutSchema(z).describe('The rollout') }),
      async run({ input, credentials }) {
        return answer(service.createRollout(input, { credentials }));
      },
    }),
    platformAction({
      name: 'get-rollout',
      title: 'Get a rollout',
      description:
        "Reads one rollout: its status, the wave in progress and each instance's progress.",
      attributes: { readOnly: true, idempotent: true, destructive: false },
      input: rolloutIdInput,
      output: z =>
        z.object({ rollout: rolloutSchema(z).describe('The rollout') }),
      async run({ input, credentials }) {
        return answer(service.getRollout(input.id, { credentials }));
      },
    }),
    platformAction({
      name: 'list-rollouts',
      title: 'List rollouts',
      description:
        'Lists rollouts, newest first, optionally of one capability.',
      attributes: { readOnly: true, idempotent: true, destructive: false },
      input: z =>
        z.object({
          capabilityRef: z
            .string()
            .optional()
            .describe('Only rollouts of this capability'),
        }),
      output: z =>
        z.object({
          rollouts: z.array(rolloutSchema(z)).describe('The rollouts'),
        }),
      async run({ input, credentials }) {
        const rollouts = await service.listRollouts(
          { capabilityRef: input.capabilityRef },
          { credentials },
        );
        return { rollouts: rollouts.map(toRolloutOutput) };
      },
    }),
    platformAction({
      name: 'pause-rollout',
      title: 'Pause a rollout',
      description:
        'Pauses a running rollout: instances being upgraded finish, no new wave starts until it is resumed.',
      attributes: { readOnly: false, idempotent: true, destructive: false },
      input: rolloutIdInput,
      output: z =>
        z.object({ rollout: rolloutSchema(z).describe('The rollout') }),
      async run({ input, credentials }) {
        return answer(service.pauseRollout(input.id, { credentials }));
      },
    }),
    platformAction({
      name: 'resume-rollout',
      title: 'Resume a rollout',
      description:
        'Resumes a paused rollout: upgrades continue with the next instances of its current wave.',
      attributes: { readOnly: false, idempotent: true, destructive: true },
      input: rolloutIdInput,
      output: z =>
        z.object({ rollout: rolloutSchema(z).describe('The rollout') }),
      async run({ input, credentials }) {
        return answer(service.resumeRollout(input.id, { credentials }));
      },
    }),
  ];
}
