import { InputError } from '@backstage/errors';
import {
  AdoptionReport,
  DevexFactKind,
  DevexRangeQuery,
  DevexSourceStatus,
  GoldenPathsReport,
  ServiceLevelsReport,
  TeamSummary,
} from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import { DirectoryStore } from '../database/DirectoryStore';
import { FactStore } from '../database/FactStore';
import { Metric } from '../rollups/contributions';
import { ReportingCalendar } from '../rollups/days';
import { percentile } from '../rollups/histogram';
import { SourceRegistry, sourceStatuses } from '../registry/SourceRegistry';
import { adoptionReport } from './AdoptionReport';
import { goldenPathFigures, goldenPathsReport } from './GoldenPathsReport';
import { TeamInfo } from './privacy';
import { ActiveUsersReader } from './ActiveUsersReader';
import { RollupReader } from './RollupReader';
import { serviceLevelsReport } from './ServiceLevelsReport';

export interface MetricsOptions {
  minGroupSize: number;
}

/** The kinds each report reads, for its `sources` (a trailing `.` is a prefix). */
const REPORT_KINDS = {
  adoption: [DevexFactKind.activity],
  goldenPaths: [DevexFactKind.goldenPathRun],
  serviceLevels: ['platform.'],
};

/**
 * The metrics API's answers, from the rollups only. Figures are by team and
 * overall; teams below the privacy minimum are folded into "other".
 */
export class MetricsService {
  private readonly reader: RollupReader;
  private readonly active: ActiveUsersReader;

  constructor(
    db: Knex,
    private readonly facts: FactStore,
    private readonly directory: DirectoryStore,
    private readonly registry: SourceRegistry,
    private readonly calendar: ReportingCalendar,
    private readonly options: MetricsOptions,
  ) {
    this.reader = new RollupReader(db, { today: () => calendar.today() });
    this.active = new ActiveUsersReader(db);
  }

  async adoption(query: DevexRangeQuery): Promise<AdoptionReport> {
    const teams = await this.teamsFor(query);
    const [eligibleUsers, sources] = await Promise.all([
      this.directory.eligibleUsers(),
      this.sources(REPORT_KINDS.adoption),
    ]);
    return {
      ...(await adoptionReport(this.reader, this.active, query, {
        teams,
        eligibleUsers,
        minGroupSize: this.options.minGroupSize,
        today: this.calendar.today(),
      })),
      sources,
    };
  }

  async goldenPaths(query: DevexRangeQuery): Promise<GoldenPathsReport> {
    const teams = await this.teamsFor(query);
    const [report, sources] = await Promise.all([
      goldenPathsReport(this.reader, query, teams, this.options.minGroupSize),
      this.sources(REPORT_KINDS.goldenPaths),
    ]);
    return { ...report, sources };
  }

  async serviceLevels(query: DevexRangeQuery): Promise<ServiceLevelsReport> {
    await this.teamsFor(query);
    const [report, sources] = await Promise.all([
      serviceLevelsReport(this.reader, query),
      this.sources(REPORT_KINDS.serviceLevels),
    ]);
    return { ...report, sources };
  }

  /** A team's headline figures; none for a team below the privacy minimum. */
  async teamSummary(
    query: DevexRangeQuery & { team: string },
  ): Promise<TeamSummary> {
    const teams = await this.directory.teams();
    const members = teams.get(query.team)?.members ?? 0;
    const folded = members < this.options.minGroupSize;
    const base = { query, team: query.team, folded, members };
    if (folded) {
      return {
        ...base,
        activeUsers: null,
        goldenPathRuns: null,
        goldenPathSuccessRate: null,
        timeSavedSeconds: null,
        platformRequests: null,
        timeToReadyP50Seconds: null,
      };
    }
    const scope = [query.team];
    const [activeUsers, gp, durations, platform, ready] = await Promise.all([
      this.active.count(scope, query),
      this.reader.totals(
        [
          Metric.goldenPathRuns('completed'),
          Metric.goldenPathRuns('failed'),
          Metric.goldenPathRuns('cancelled'),
          Metric.goldenPathTimeSaved,
        ],
        scope,
        query,
        'all',
      ),
      this.reader.histograms(Metric.goldenPathDuration, scope, query, 'all'),
      this.reader.totals([Metric.platformRequested], scope, query, 'all'),
      this.reader.histograms(Metric.platformTimeToReady, scope, query, 'all'),
    ]);
    const figures = goldenPathFigures(
      m => gp.get(m)?.get(''),
      durations.get(''),
    );
    const readyHistogram = ready.get('');
    return {
      ...base,
      activeUsers,
      goldenPathRuns: figures.runs,
      goldenPathSuccessRate: figures.successRate,
      timeSavedSeconds: figures.timeSavedSeconds,
      platformRequests:
        platform.get(Metric.platformRequested)?.get('')?.count ?? 0,
      timeToReadyP50Seconds: readyHistogram
        ? percentile(readyHistogram, 0.5)
        : null,
    };
  }

  /** Every source's status, or those relevant to some kinds. */
  async sources(kinds?: string[]): Promise<DevexSourceStatus[]> {
    return sourceStatuses(
      this.registry.descriptors(),
      await this.facts.sourceStats(),
      kinds,
    );
  }

  /**
   * The directory's teams, after checking that a team filter names a team
   * whose figures may be shown.
   */
  async teamsFor(query: DevexRangeQuery): Promise<Map<string, TeamInfo>> {
    const teams = await this.directory.teams();
    if (query.team) {
      const members = teams.get(query.team)?.members ?? 0;
      if (members < this.options.minGroupSize) {
        throw new InputError(
          `team: ${query.team} has ${members} member(s) in the catalog; teams smaller than ${this.options.minGroupSize} are only shown folded into "other"`,
        );
      }
    }
    return teams;
  }
}
