import { Zod } from './devexAction';
import {
  nullableNum,
  num,
  optStr,
  rangeQuerySchema,
  sourcesSchema,
  str,
  teamRowFields,
} from './reportSchemas';

/*
 * The delivery, evidence, onboarding and impact reports (devex-common's
 * delivery.ts) as zod output schemas, like reportSchemas.ts.
 */

const deliveryQuerySchema = (z: Zod) =>
  rangeQuerySchema(z).extend({
    component: optStr(z, 'The component asked for (an entity ref)'),
  });

const tierSchema = (z: Zod, description: string) =>
  z.enum(['elite', 'high', 'medium', 'low']).nullable().describe(description);

const deliveryFigureFields = (z: Zod) => ({
  deploymentFrequency: z
    .object({
      deployments: num(z, 'Successful production deployments'),
      perDay: num(z, 'Deployments per day of the range'),
      perWeek: num(z, 'Deployments per week of the range'),
      tier: tierSchema(z, 'DORA tier; null without thresholds'),
    })
    .describe('Deployment frequency'),
  leadTime: z
    .object({
      changes: num(
        z,
        'Changes deployed in the range with a known first commit (n of the percentiles)',
      ),
      p50Seconds: nullableNum(
        z,
        'Median first commit to production deployment, in seconds',
      ),
      p90Seconds: nullableNum(z, '90th percentile lead time, in seconds'),
      tier: tierSchema(z, 'DORA tier of the median; null without a value'),
      withoutFirstCommit: num(
        z,
        'Changes deployed whose first commit is unknown (not in the percentiles)',
      ),
      notDeployed: num(z, 'Changes merged in the range not in production yet'),
    })
    .describe('Lead time for changes'),
  changeFailureRate: z
    .object({
      deployments: num(z, 'Production deployments'),
      failed: num(z, 'Followed by an incident or a rollback'),
      byIncident: num(z, 'Of failed: followed by an incident'),
      byRollback: num(z, 'Of failed: rolled back'),
      rate: nullableNum(z, 'failed / deployments (0 to 1)'),
      tier: tierSchema(z, 'DORA tier; null without a value'),
    })
    .describe('Change failure rate'),
  recoveryTime: z
    .object({
      incidents: num(z, 'Incidents resolved in the range'),
      p50Seconds: nullableNum(z, 'Median opened to resolved, in seconds'),
      p90Seconds: nullableNum(z, '90th percentile recovery, in seconds'),
      tier: tierSchema(z, 'DORA tier of the median; null without a value'),
      open: num(z, 'Incidents opened in the range and still open at its end'),
    })
    .describe('Failed deployment recovery time'),
  reworkRate: z
    .object({
      deployments: num(z, 'Production deployments'),
      rework: num(z, 'Made while an incident on the component was open'),
      rate: nullableNum(z, 'rework / deployments (0 to 1)'),
      tier: tierSchema(z, 'Tier; null unless rework thresholds are configured'),
    })
    .describe('Rework rate'),
});

const deliveryFiguresSchema = (z: Zod, description: string) =>
  z.object(deliveryFigureFields(z)).describe(description);

const thresholdsSchema = (z: Zod, description: string) =>
  z
    .object({
      elite: num(z, 'Elite threshold'),
      high: num(z, 'High threshold'),
      medium: num(z, 'Medium threshold (low beyond it)'),
    })
    .describe(description);

export const deliveryReportSchema = (z: Zod) =>
  z.object({
    query: deliveryQuerySchema(z),
    productionEnvironments: z
      .array(z.string())
      .describe('The environments counted as production'),
    tiers: z
      .object({
        source: str(z, 'Where the thresholds come from'),
        deploymentsPerWeek: thresholdsSchema(
          z,
          'Minimum deployments per week for each tier',
        ),
        leadTimeHours: thresholdsSchema(z, 'Maximum median lead time in hours'),
        changeFailureRate: thresholdsSchema(
          z,
          'Maximum change failure rate (0 to 1)',
        ),
        recoveryTimeHours: thresholdsSchema(
          z,
          'Maximum median recovery time in hours',
        ),
        reworkRate: thresholdsSchema(
          z,
          'Maximum rework rate (0 to 1); null when not configured',
        ).nullable(),
      })
      .describe('The thresholds the tiers were read with'),
    totals: deliveryFiguresSchema(z, 'The five figures over the whole scope'),
    series: z
      .array(
        z.object({
          week: str(z, 'ISO week (Monday)'),
          deployments: num(z, 'Production deployments'),
          failed: num(z, 'Failed deployments'),
          rework: num(z, 'Rework deployments'),
          changeFailureRate: nullableNum(z, 'Change failure rate (0 to 1)'),
          reworkRate: nullableNum(z, 'Rework rate (0 to 1)'),
          leadTimeP50Seconds: nullableNum(z, 'Median lead time, in seconds'),
          incidentsResolved: num(z, 'Incidents resolved'),
          recoveryP50Seconds: nullableNum(z, 'Median recovery, in seconds'),
        }),
      )
      .describe('Per ISO week of the range'),
    components: z
      .array(
        z.object({
          ...deliveryFigureFields(z),
          component: str(z, 'The component (an entity ref)'),
          title: optStr(z, 'Its title from the catalog'),
          team: optStr(z, 'The owning team, as the catalog says now'),
          goldenPath: z
            .boolean()
            .describe(
              'Created by a golden-path run (or annotated trellis.dev/golden-path)',
            ),
        }),
      )
      .describe('Every component with delivery in the range'),
    byTeam: z
      .array(
        z.object({
          ...teamRowFields(z),
          ...deliveryFigureFields(z),
          components: num(z, 'Components of the team'),
        }),
      )
      .describe(
        'By owning team; small teams folded into "other"; empty with a team or component filter',
      ),
    sources: sourcesSchema(z),
  });

const evidenceFields = (z: Zod) => ({
  subject: str(z, 'The subject (deployment, pull request or incident id)'),
  component: optStr(z, 'The component (an entity ref)'),
});

export const evidencePageSchema = (z: Zod) =>
  z.object({
    query: deliveryQuerySchema(z).extend({
      kind: z
        .enum(['deployments', 'changes', 'incidents'])
        .describe('Which facts are listed'),
      after: optStr(z, 'The cursor this page starts after'),
      limit: z.number().optional().describe('Page size'),
    }),
    items: z
      .array(
        z.union([
          z.object({
            ...evidenceFields(z),
            factId: num(z, 'The fact id'),
            repo: str(z, 'Repository'),
            environment: str(z, 'Environment deployed to'),
            status: str(z, 'Deployment status'),
            sha: optStr(z, 'Commit deployed'),
            url: optStr(z, 'Link to the deployment'),
            time: str(z, 'When it was deployed (ISO time)'),
            failed: z
              .boolean()
              .describe('Followed by an incident or rolled back'),
            failedBy: z
              .object({
                incident: optStr(z, 'The incident that followed'),
                rollback: optStr(z, 'The rollback deployment'),
              })
              .nullable()
              .describe('Why it counts as failed'),
            rework: z
              .boolean()
              .describe('Made while an incident on the component was open'),
            reworkFor: optStr(z, 'That incident'),
            changes: num(
              z,
              'Changes whose first production deployment this is',
            ),
            actor: optStr(z, 'Who deployed (devex admins only)'),
          }),
          z.object({
            ...evidenceFields(z),
            factId: num(z, 'The fact id'),
            repo: str(z, 'Repository'),
            number: z.number().optional().describe('Pull request number'),
            url: optStr(z, 'Link to the change'),
            mergedAt: str(z, 'When it was merged (ISO time)'),
            firstCommitAt: optStr(z, 'Its first commit (ISO time)'),
            mergeSha: optStr(z, 'The merge commit'),
            deployedAt: optStr(z, 'Its first production deployment (ISO time)'),
            deployment: optStr(z, 'That deployment'),
            leadTimeSeconds: z
              .number()
              .optional()
              .describe('First commit to deployment, in seconds'),
            actor: optStr(z, 'The author (devex admins only)'),
          }),
          z.object({
            ...evidenceFields(z),
            title: optStr(z, 'Incident title'),
            url: optStr(z, 'Link to the incident'),
            severity: optStr(z, 'Severity'),
            openedAt: str(z, 'When it was opened (ISO time)'),
            resolvedAt: optStr(z, 'When it was resolved (ISO time)'),
            recoverySeconds: z
              .number()
              .optional()
              .describe('Opened to resolved, in seconds'),
            deployment: optStr(z, 'The deployment it is counted against'),
          }),
        ]),
      )
      .describe('Deployments, changes or incidents (as asked), newest first'),
    next: optStr(z, 'Pass as after for the next page; absent on the last'),
  });

const onboardingFigureFields = (z: Zod) => ({
  newUsers: num(z, 'New users (start date in the range)'),
  withFirstChange: num(z, 'Of them: merged a first change so far'),
  medianDaysToFirstChange: nullableNum(z, 'Median days to the first change'),
  withNthChange: num(z, 'Of them: merged an Nth change so far'),
  medianDaysToNthChange: nullableNum(z, 'Median days to the Nth change'),
});

export const onboardingReportSchema = (z: Zod) =>
  z.object({
    query: rangeQuerySchema(z),
    nthChange: num(z, 'N of "days to the Nth merged change"'),
    startDates: z
      .object({
        annotation: num(z, 'Start dates from trellis.dev/start-date'),
        firstSeen: num(z, 'Start dates from when the user was first seen'),
      })
      .describe('How start dates were found'),
    totals: z
      .object(onboardingFigureFields(z))
      .describe('Figures over all new users'),
    byMonth: z
      .array(
        z.object({
          ...onboardingFigureFields(z),
          month: str(z, 'Start month (YYYY-MM-01)'),
          folded: z
            .boolean()
            .optional()
            .describe('Under the privacy minimum: medians null, counts 0'),
        }),
      )
      .describe('Cohorts by start month'),
    byTeam: z
      .array(z.object({ ...teamRowFields(z), ...onboardingFigureFields(z) }))
      .describe('By current team; small teams folded into "other"'),
    sources: sourcesSchema(z),
  });

const impactSideSchema = (z: Zod, description: string) =>
  z
    .object({
      n: num(z, 'Components or days on this side'),
      delivery: deliveryFiguresSchema(z, 'Delivery figures of this side'),
      onboarding: z
        .object(onboardingFigureFields(z))
        .describe('Onboarding of new users on this side'),
    })
    .describe(description);

export const impactReportSchema = (z: Zod) =>
  z.object({
    query: rangeQuerySchema(z),
    caveat: str(
      z,
      'These are comparisons, not causes: say so with the figures',
    ),
    goldenPath: z
      .object({
        goldenPath: impactSideSchema(z, 'Golden-path components'),
        other: impactSideSchema(z, 'The other components'),
      })
      .describe('Golden-path components vs the rest'),
    teams: z
      .array(
        z.object({
          ...teamRowFields(z),
          adoptedAt: z
            .string()
            .nullable()
            .describe('When the team adopted the platform, if it did'),
          adoptedBy: z
            .enum(['golden-path', 'platform-resource'])
            .nullable()
            .describe('What its first adoption was'),
          before: impactSideSchema(z, 'Before adopting').nullable(),
          after: impactSideSchema(z, 'After adopting').nullable(),
        }),
      )
      .describe('Per team, before vs after adopting the platform'),
    sources: sourcesSchema(z),
  });
