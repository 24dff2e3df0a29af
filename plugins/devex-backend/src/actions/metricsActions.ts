import { DevexReads } from '../service/DevexReads';
import { devexAction, Zod } from './devexAction';
import {
  deliveryReportSchema,
  evidencePageSchema,
  impactReportSchema,
  onboardingReportSchema,
} from './deliverySchemas';
import {
  adoptionReportSchema,
  goldenPathsReportSchema,
  serviceLevelsReportSchema,
  teamSummarySchema,
} from './reportSchemas';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const GROUP_REF = /^group:[^/:\s]+\/[^/:\s]+$/i;

/*
 * The inputs are checked here for their shape (so the JSON Schema an agent
 * reads says it) and again by DevexReads, as for HTTP: a real day, a range
 * no longer than devex.maxRangeDays, a known kind.
 */
const rangeFields = (z: Zod) => ({
  from: z
    .string()
    .regex(DAY, 'must be a day written YYYY-MM-DD')
    .describe('First day of the range, YYYY-MM-DD (reporting time zone)'),
  to: z
    .string()
    .regex(DAY, 'must be a day written YYYY-MM-DD')
    .describe('Last day of the range, inclusive, YYYY-MM-DD'),
});
const teamField = (z: Zod, description: string) =>
  z
    .string()
    .regex(GROUP_REF, 'must be a group entity ref like group:default/team-a')
    .describe(description);
const rangeInput = (z: Zod) =>
  z.object({
    ...rangeFields(z),
    team: teamField(
      z,
      'Only this team, a group entity ref such as group:default/team-a',
    ).optional(),
  });
const componentField = (z: Zod) =>
  z
    .string()
    .min(1)
    .optional()
    .describe(
      'Only this component, an entity ref such as component:default/payments',
    );

const PRIVACY =
  'Teams and cohorts smaller than devex.privacy.minGroupSize are folded into "other"; never per person.';

/** The DevEx read figures as actions: each asks DevexReads with the caller's credentials. */
export function createDevexActions(reads: DevexReads) {
  return [
    devexAction({
      name: 'get-adoption',
      title: 'Portal adoption',
      description: `Who uses the portal over a range of days: active, new and returning users, the adoption rate, weekly retention cohorts, per team and per plugin. ${PRIVACY} Needs devex.metrics.read.`,
      input: rangeInput,
      output: adoptionReportSchema,
      run: ({ input, credentials }) => reads.adoption(credentials, input),
    }),
    devexAction({
      name: 'get-golden-paths',
      title: 'Golden paths (templates)',
      description: `Software template runs over a range: success rate, durations, time saved, top failures, per template and per team. ${PRIVACY} Needs devex.metrics.read.`,
      input: rangeInput,
      output: goldenPathsReportSchema,
      run: ({ input, credentials }) => reads.goldenPaths(credentials, input),
    }),
    devexAction({
      name: 'get-service-levels',
      title: 'Platform service levels',
      description:
        'The platform own service levels over a range: requests, failure rate, time to Ready and pickup wait (p50/p95), per capability, top failures, rollouts. Needs devex.metrics.read.',
      input: rangeInput,
      output: serviceLevelsReportSchema,
      run: ({ input, credentials }) => reads.serviceLevels(credentials, input),
    }),
    devexAction({
      name: 'get-team-summary',
      title: 'Team summary',
      description:
        "One team's headline figures over a range: active members, template runs and success rate, time saved, platform requests and time to Ready. A team under the privacy minimum answers folded, without figures. Needs devex.metrics.read.",
      input: z =>
        z.object({
          ...rangeFields(z),
          team: teamField(
            z,
            'The team, a group entity ref such as group:default/team-a',
          ),
        }),
      output: teamSummarySchema,
      run: ({ input, credentials }) => reads.teamSummary(credentials, input),
    }),
    devexAction({
      name: 'get-delivery',
      title: 'Delivery (DORA) figures',
      description: `Deployment frequency, lead time, change failure rate, recovery time and rework rate over a range, each with its DORA tier and the count it stands on; per ISO week, per component and per team. Filter by team and/or component. Follow a figure to its facts with devex.get-delivery-evidence. ${PRIVACY} Needs devex.metrics.read.`,
      input: z => rangeInput(z).extend({ component: componentField(z) }),
      output: deliveryReportSchema,
      run: ({ input, credentials }) => reads.delivery(credentials, input),
    }),
    devexAction({
      name: 'get-delivery-evidence',
      title: 'Delivery evidence',
      description:
        'The facts behind the delivery figures, newest first, a page at a time: production deployments, merged changes or incidents in the range. Who deployed or authored is shown only to people with devex.admin (never to an agent acting with its own token). Pages: pass next back as after. Needs devex.metrics.read.',
      input: z =>
        rangeInput(z).extend({
          component: componentField(z),
          kind: z
            .enum(['deployments', 'changes', 'incidents'])
            .describe('Which facts: deployments, changes or incidents'),
          after: z
            .string()
            .min(1)
            .optional()
            .describe('next of the previous page'),
          limit: z
            .number()
            .int()
            .min(1)
            .max(500)
            .optional()
            .describe('Page size, 1 to 500 (default 100)'),
        }),
      output: evidencePageSchema,
      // An agent with its own identity is a service principal, which the
      // permission framework allows everything: it never sees people.
      run: ({ input, credentials }) =>
        reads.evidence(credentials, input, { forServices: false }),
    }),
    devexAction({
      name: 'get-onboarding',
      title: 'Onboarding',
      description: `How fast new people get going: days from their start date to the first and the Nth merged change, by start month and by team. ${PRIVACY} Needs devex.metrics.read.`,
      input: rangeInput,
      output: onboardingReportSchema,
      run: ({ input, credentials }) => reads.onboarding(credentials, input),
    }),
    devexAction({
      name: 'get-impact',
      title: 'Platform impact',
      description: `Golden-path components vs the rest, and each team before vs after adopting the platform: delivery and onboarding figures with n on each side. Comparisons, not causes (the answer carries the caveat). ${PRIVACY} Needs devex.metrics.read.`,
      input: rangeInput,
      output: impactReportSchema,
      run: ({ input, credentials }) => reads.impact(credentials, input),
    }),
  ];
}
