import { Zod } from './devexAction';

/*
 * The DevEx reports (devex-common's metrics.ts) as zod output schemas, a
 * description on every field. The registry parses each answer with them and
 * drops what they do not name, so they list every field the HTTP API
 * returns (mcp.test.ts compares the two answers).
 */

const num = (z: Zod, description: string) => z.number().describe(description);
const nullableNum = (z: Zod, description: string) =>
  z.number().nullable().describe(description);
const str = (z: Zod, description: string) => z.string().describe(description);
const optStr = (z: Zod, description: string) =>
  z.string().optional().describe(description);

export const rangeQuerySchema = (z: Zod) =>
  z
    .object({
      from: str(z, 'First day of the range (YYYY-MM-DD)'),
      to: str(z, 'Last day of the range, inclusive (YYYY-MM-DD)'),
      team: optStr(z, 'The team asked for (a group entity ref)'),
    })
    .describe('The question answered');

const deliveryQuerySchema = (z: Zod) =>
  rangeQuerySchema(z).extend({
    component: optStr(z, 'The component asked for (an entity ref)'),
  });

const sourcesSchema = (z: Zod) =>
  z
    .array(
      z.object({
        id: str(z, 'Source id, e.g. analytics, scaffolder, platform'),
        title: str(z, 'Source name'),
        facts: num(z, 'Facts stored from this source in all'),
        lastFactAt: optStr(z, 'When its last fact happened (ISO time)'),
        howToConnect: str(
          z,
          'What to do when it has delivered nothing (an empty figure may mean an unconnected source)',
        ),
      }),
    )
    .describe(
      'The sources these figures are read from, and whether they deliver',
    );

/** Fields of a team row: a team, or the fold of teams under the privacy minimum. */
const teamRowFields = (z: Zod) => ({
  team: str(
    z,
    'A group entity ref, or "other" for the fold of teams under the privacy minimum',
  ),
  title: optStr(z, 'The team name from the catalog'),
  folded: z.boolean().optional().describe('True for the fold of small teams'),
  teams: z
    .number()
    .optional()
    .describe('For the fold: how many teams it holds'),
});

const seriesSchema = (z: Zod, description: string) =>
  z
    .array(
      z.object({
        date: str(z, 'The day (or first day of the week or month)'),
        value: num(z, 'The value on that day, week or month'),
      }),
    )
    .describe(description);

export const adoptionReportSchema = (z: Zod) =>
  z.object({
    query: rangeQuerySchema(z),
    eligibleUsers: num(z, 'Catalog users who could use the portal'),
    totals: z
      .object({
        activeUsers: num(z, 'Distinct users active at least once in the range'),
        newUsers: num(z, 'Active users first seen in the range'),
        returningUsers: num(z, 'Active users first seen before the range'),
        adoptionRate: num(z, 'activeUsers / eligibleUsers (0 to 1)'),
      })
      .describe('Totals over the range'),
    activeUsers: z
      .object({
        daily: seriesSchema(z, 'Distinct active users per day'),
        weekly: seriesSchema(z, 'Distinct active users per ISO week (Monday)'),
        monthly: seriesSchema(z, 'Distinct active users per calendar month'),
      })
      .describe('Active users over time'),
    newVsReturning: z
      .array(
        z.object({
          week: str(z, 'ISO week (its Monday)'),
          new: num(z, 'Active users first seen that week'),
          returning: num(z, 'Active users first seen before that week'),
        }),
      )
      .describe('Per ISO week: new vs returning active users'),
    cohorts: z
      .array(
        z.object({
          week: str(z, 'Week the cohort was first seen (Monday)'),
          size: num(z, 'Users first seen that week'),
          retention: z
            .array(z.number().nullable())
            .describe(
              'Share (0 to 1) active in each of the next 8 weeks; null for weeks not over yet or cohorts under the privacy minimum',
            ),
        }),
      )
      .describe('Weekly retention cohorts'),
    byTeam: z
      .array(
        z.object({
          ...teamRowFields(z),
          activeUsers: num(z, 'Distinct active users of the team'),
          eligibleUsers: num(z, 'Members of the team'),
        }),
      )
      .describe('Per team; small teams folded into "other"'),
    byPlugin: z
      .array(
        z.object({
          plugin: str(z, 'Plugin (or page) the activity came from'),
          activeUsers: num(z, 'Distinct active users'),
          events: num(z, 'Events counted'),
        }),
      )
      .describe('Per plugin'),
    sources: sourcesSchema(z),
  });

const goldenPathFigureFields = (z: Zod) => ({
  runs: num(z, 'Template runs started'),
  completed: num(z, 'Runs completed'),
  failed: num(z, 'Runs failed'),
  cancelled: num(z, 'Runs cancelled'),
  successRate: nullableNum(
    z,
    'completed / (completed + failed); null with no finished runs',
  ),
  medianDurationSeconds: nullableNum(z, 'Median run duration in seconds'),
  p90DurationSeconds: nullableNum(z, '90th percentile run duration in seconds'),
  timeSavedSeconds: num(
    z,
    'backstage.io/time-saved of the template times completed runs, in seconds',
  ),
});

const goldenPathFailuresSchema = (z: Zod, description: string) =>
  z
    .array(
      z.object({
        templateRef: str(z, 'The template (an entity ref)'),
        step: str(z, 'The step that failed'),
        message: str(z, 'The failure message'),
        count: num(z, 'How many runs failed so'),
      }),
    )
    .describe(description);

export const goldenPathsReportSchema = (z: Zod) =>
  z.object({
    query: rangeQuerySchema(z),
    totals: z
      .object(goldenPathFigureFields(z))
      .describe('Figures over all templates'),
    series: z
      .array(
        z.object({
          date: str(z, 'The day'),
          completed: num(z, 'Runs completed that day'),
          failed: num(z, 'Runs failed that day'),
          cancelled: num(z, 'Runs cancelled that day'),
        }),
      )
      .describe('Runs per day'),
    templates: z
      .array(
        z.object({
          ...goldenPathFigureFields(z),
          templateRef: str(z, 'The template (an entity ref)'),
          title: optStr(z, 'The template title from the catalog'),
          topFailures: goldenPathFailuresSchema(
            z,
            'Most frequent failures of this template',
          ),
        }),
      )
      .describe('Per template'),
    byTeam: z
      .array(z.object({ ...teamRowFields(z), ...goldenPathFigureFields(z) }))
      .describe('Per team of the person who ran it; small teams folded'),
    topFailures: goldenPathFailuresSchema(z, 'Most frequent failures overall'),
    sources: sourcesSchema(z),
  });

const serviceLevelFields = (z: Zod) => ({
  requests: num(z, 'Platform requests made'),
  ready: num(z, 'Requests that reached Ready'),
  failed: num(z, 'Requests that failed'),
  failureRate: nullableNum(
    z,
    'failed / requests that reached Ready or Failed; null with none',
  ),
  timeToReadyP50Seconds: nullableNum(z, 'Median time to Ready in seconds'),
  timeToReadyP95Seconds: nullableNum(
    z,
    '95th percentile time to Ready in seconds',
  ),
  pickupWaitP50Seconds: nullableNum(
    z,
    'Median wait before an engine picked a request up, in seconds',
  ),
  pickupWaitP95Seconds: nullableNum(
    z,
    '95th percentile wait before an engine picked a request up, in seconds',
  ),
});

export const serviceLevelsReportSchema = (z: Zod) =>
  z.object({
    query: rangeQuerySchema(z),
    totals: z
      .object({
        ...serviceLevelFields(z),
        rolloutsCompleted: num(z, 'Rollouts completed'),
        rolloutsFailed: num(z, 'Rollouts failed'),
      })
      .describe('Figures over all capabilities'),
    series: z
      .array(
        z.object({
          date: str(z, 'The day'),
          requests: num(z, 'Requests that day'),
          ready: num(z, 'Requests that reached Ready that day'),
          failed: num(z, 'Requests that failed that day'),
        }),
      )
      .describe('Requests per day'),
    capabilities: z
      .array(
        z.object({
          ...serviceLevelFields(z),
          capabilityRef: str(z, 'The capability, e.g. local:database'),
          engine: str(z, 'The engine that provides it'),
        }),
      )
      .describe('Per capability'),
    topFailures: z
      .array(
        z.object({
          capabilityRef: str(z, 'The capability'),
          message: str(z, 'The failure message'),
          count: num(z, 'How many requests failed so'),
        }),
      )
      .describe('Most frequent failures'),
    sources: sourcesSchema(z),
  });

export const teamSummarySchema = (z: Zod) =>
  z.object({
    query: rangeQuerySchema(z),
    team: str(z, 'The team (a group entity ref)'),
    folded: z
      .boolean()
      .describe(
        'True when the team is smaller than the privacy minimum: no figures then',
      ),
    members: num(z, 'Members of the team'),
    activeUsers: nullableNum(z, 'Distinct members active in the portal'),
    goldenPathRuns: nullableNum(z, 'Template runs by members'),
    goldenPathSuccessRate: nullableNum(
      z,
      'Success rate of those runs (0 to 1)',
    ),
    timeSavedSeconds: nullableNum(z, 'Time saved by those runs, in seconds'),
    platformRequests: nullableNum(z, 'Platform requests by members'),
    timeToReadyP50Seconds: nullableNum(
      z,
      'Median time to Ready of those requests, in seconds',
    ),
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
