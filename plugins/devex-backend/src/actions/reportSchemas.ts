import { Zod } from './devexAction';

/*
 * The DevEx reports (devex-common's metrics.ts) as zod output schemas, a
 * description on every field. The registry parses each answer with them and
 * drops what they do not name, so they list every field the HTTP API
 * returns (mcp.test.ts compares the two answers).
 */

export const num = (z: Zod, description: string) =>
  z.number().describe(description);
export const nullableNum = (z: Zod, description: string) =>
  z.number().nullable().describe(description);
export const str = (z: Zod, description: string) =>
  z.string().describe(description);
export const optStr = (z: Zod, description: string) =>
  z.string().optional().describe(description);

export const rangeQuerySchema = (z: Zod) =>
  z
    .object({
      from: str(z, 'First day of the range (YYYY-MM-DD)'),
      to: str(z, 'Last day of the range, inclusive (YYYY-MM-DD)'),
      team: optStr(z, 'The team asked for (a group entity ref)'),
    })
    .describe('The question answered');

export const sourcesSchema = (z: Zod) =>
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
export const teamRowFields = (z: Zod) => ({
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
