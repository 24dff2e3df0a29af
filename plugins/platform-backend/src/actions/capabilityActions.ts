import { PlatformService } from '@trellis/backstage-plugin-platform-node';
import { platformAction } from './platformAction';
import {
  capabilitySchema,
  capabilitySummarySchema,
  toCapabilityOutput,
  toCapabilitySummary,
} from './schemas';

/** What the platform offers, and what a request for it must carry. */
export function capabilityActions(service: PlatformService) {
  return [
    platformAction({
      name: 'list-capabilities',
      title: 'List platform capabilities',
      description:
        'Lists what the platform offers (databases, queues, ...), with the ref to request each by. Call platform.get-capability for the input schema a request must follow.',
      attributes: { readOnly: true, idempotent: true, destructive: false },
      input: z =>
        z.object({
          text: z
            .string()
            .optional()
            .describe(
              'Only capabilities whose ref, title, description or tags contain this text (case-insensitive)',
            ),
        }),
      output: z =>
        z.object({
          capabilities: z
            .array(capabilitySummarySchema(z))
            .describe("The capabilities, in the platform's order"),
        }),
      async run({ input, credentials }) {
        const all = await service.listCapabilities({ credentials });
        const text = input.text?.toLowerCase();
        const matching = text
          ? all.filter(c =>
              [c.ref, c.title, c.description ?? '', ...(c.tags ?? [])].some(
                value => value.toLowerCase().includes(text),
              ),
            )
          : all;
        return { capabilities: matching.map(toCapabilitySummary) };
      },
    }),
    platformAction({
      name: 'get-capability',
      title: 'Get a platform capability',
      description:
        'Reads one capability, with the JSON Schema of the spec that platform.request-resource must carry, its versions and its documentation links.',
      attributes: { readOnly: true, idempotent: true, destructive: false },
      input: z =>
        z.object({
          ref: z
            .string()
            .min(1)
            .describe('The capability ref, e.g. local:database'),
        }),
      output: z =>
        z.object({
          capability: capabilitySchema(z).describe('The capability'),
        }),
      async run({ input, credentials }) {
        const capability = await service.getCapability(input.ref, {
          credentials,
        });
        return { capability: toCapabilityOutput(capability) };
      },
    }),
  ];
}
