import { InputError } from '@backstage/errors';
import {
  DeliveryEvidencePage,
  DeliveryEvidenceQuery,
  DeliveryQuery,
  DeliveryReport,
  DeliveryTierThresholds,
  DevexRangeQuery,
  DevexSourceStatus,
  ImpactReport,
  OnboardingReport,
} from '@trellis/backstage-plugin-devex-common';
import { Knex } from 'knex';
import { DirectoryStore } from '../../database/DirectoryStore';
import {
  addDays,
  daysBetween,
  monthOf,
  ReportingCalendar,
  weekOf,
} from '../../rollups/days';
import { foldTeams, otherRow, TeamInfo, teamRow } from '../privacy';
import { DeliveryAgg, deliveryFigures, emptyAgg, sumAggs } from './aggregates';
import {
  DeliveryCatalogReader,
  DeliveryCatalogSnapshot,
} from './DeliveryCatalog';
import { ADOPTION, DeliveryIndex } from './DeliveryIndex';
import {
  DeliveryAggs,
  RangeQuery,
  RangeRows,
  readDeliveryAggs,
  readImpactAggs,
  readRange,
} from './DeliveryReader';
import { SharedReads } from './SharedReads';
import { deliveryEvidence } from './evidence';
import { impactPeriod, impactReport } from './impact';
import { NewUser, newUsers, onboardingFigures } from './Onboarding';

export interface DeliveryMetricsOptions {
  minGroupSize: number;
  productionEnvironments: string[];
  tiers: DeliveryTierThresholds;
  /** N of "days to the Nth merged change". */
  nthChange: number;
  /**
   * How long a report waits for the delivery index to read new facts before
   * it answers from what has been read (saying how many are left). Default 2000.
   */
  catchUpBudgetMs?: number;
}

export { IMPACT_CAVEAT } from './impact';

/** The kinds the delivery reports read, for their `sources`. */
export const DELIVERY_KINDS = ['delivery.'];
export const ONBOARDING_KINDS = ['delivery.change.merged', 'activity'];
export const IMPACT_KINDS = [
  'delivery.',
  'golden-path.run',
  'platform.requested',
];

const isComponentRef = (scope: string) => scope.startsWith('component:');

const rangeKey = (range: RangeQuery) =>
  `${range.from} ${range.to} ${
    range.scopes ? [...range.scopes].sort().join(',') : '*'
  }`;

/**
 * The delivery (DORA), onboarding and platform-impact reports, from the
 * delivery index (grouped reads bounded by the range) and the catalog.
 */
export class DeliveryMetrics {
  /** The reads the Delivery tab's reports of one range share. */
  private readonly shared = new SharedReads();

  constructor(
    private readonly db: Knex,
    private readonly index: DeliveryIndex,
    private readonly catalog: DeliveryCatalogReader,
    private readonly directory: DirectoryStore,
    private readonly calendar: ReportingCalendar,
    private readonly options: DeliveryMetricsOptions,
    private readonly sources: (kinds: string[]) => Promise<DevexSourceStatus[]>,
  ) {}

  /** The scopes (component refs) a query is about; undefined = all. */
  scopesFor(
    query: DeliveryQuery,
    catalog: DeliveryCatalogSnapshot,
  ): string[] | undefined {
    let scopes: string[] | undefined;
    if (query.team) {
      scopes = [...catalog.components]
        .filter(([, c]) => c.owner === query.team)
        .map(([ref]) => ref);
    }
    if (query.component) {
      scopes = scopes
        ? scopes.filter(s => s === query.component)
        : [query.component];
    }
    return scopes;
  }

  async goldenPathComponents(
    catalog: DeliveryCatalogSnapshot,
  ): Promise<Set<string>> {
    const rows = await this.db(ADOPTION)
      .where('kind', 'component')
      .select('ref');
    const set = new Set<string>(rows.map(r => r.ref));
    for (const [ref, c] of catalog.components) if (c.goldenPath) set.add(ref);
    return set;
  }

  async delivery(
    query: DeliveryQuery,
    teams: Map<string, TeamInfo>,
  ): Promise<DeliveryReport> {
    const { indexing, at } = await this.caughtUp();
    const catalog = await this.catalog.snapshot();
    const scopes = this.scopesFor(query, catalog);
    const range = { from: query.from, to: query.to, scopes };
    const [aggs, golden, sources] = await Promise.all([
      this.deliveryAggs(range, at),
      this.goldenPathComponents(catalog),
      this.sources(DELIVERY_KINDS),
    ]);
    const { tiers } = this.options;
    const days = daysBetween(query.from, query.to) + 1;
    const { perScope, perWeek } = aggs;

    const series: DeliveryReport['series'] = [];
    for (
      let week = weekOf(query.from);
      week <= query.to;
      week = addDays(week, 7)
    ) {
      const agg = perWeek.get(week) ?? emptyAgg();
      const f = deliveryFigures(agg, 7, tiers);
      series.push({
        week,
        deployments: agg.deployments,
        failed: agg.failed,
        rework: agg.rework,
        changeFailureRate: f.changeFailureRate.rate,
        reworkRate: f.reworkRate.rate,
        leadTimeP50Seconds: f.leadTime.p50Seconds,
        incidentsResolved: f.recoveryTime.incidents,
        recoveryP50Seconds: f.recoveryTime.p50Seconds,
      });
    }

    const components = [...perScope]
      .filter(([scope]) => isComponentRef(scope))
      .map(([component, agg]) => {
        const info = catalog.components.get(component);
        return {
          component,
          ...(info?.title ? { title: info.title } : {}),
          ...(info?.owner ? { team: info.owner } : {}),
          goldenPath: golden.has(component),
          ...deliveryFigures(agg, days, tiers),
        };
      })
      .sort(
        (a, b) =>
          b.deploymentFrequency.deployments -
            a.deploymentFrequency.deployments ||
          a.component.localeCompare(b.component),
      );

    let byTeam: DeliveryReport['byTeam'] = [];
    if (!query.team && !query.component) {
      const owned = new Map<string, DeliveryAgg[]>();
      for (const [scope, agg] of perScope) {
        const owner = catalog.components.get(scope)?.owner;
        if (!owner) continue;
        if (!owned.has(owner)) owned.set(owner, []);
        owned.get(owner)!.push(agg);
      }
      const withDelivery = new Map(
        [...teams].filter(([ref]) => owned.has(ref)),
      );
      const { shown, folded } = foldTeams(
        withDelivery,
        this.options.minGroupSize,
      );
      byTeam = shown.map(([ref, info]) => ({
        ...teamRow(ref, info),
        components: owned.get(ref)!.length,
        ...deliveryFigures(sumAggs(owned.get(ref)!), days, tiers),
      }));
      if (folded.length) {
        const aggsOf = folded.flatMap(t => owned.get(t)!);
        byTeam.push({
          ...otherRow(folded),
          components: aggsOf.length,
          ...deliveryFigures(sumAggs(aggsOf), days, tiers),
        });
      }
    }

    return {
      query,
      ...(indexing ? { indexing } : {}),
      productionEnvironments: this.options.productionEnvironments,
      tiers,
      totals: deliveryFigures(aggs.total, days, tiers),
      series,
      components,
      byTeam,
      sources,
    };
  }

  /**
   * The index's catch-up, within the budget: what is left, if any, and when
   * it ended (reads started since then may be shared).
   */
  private async caughtUp() {
    const indexing = await this.index.catchUpWithin(
      this.options.catchUpBudgetMs ?? 2000,
    );
    return { indexing, at: this.shared.now() };
  }

  /** A range's rollup rows, shared with a report of the same range in flight. */
  private rangeRows(range: RangeQuery, at: number): Promise<RangeRows> {
    return this.shared.run(`range ${rangeKey(range)}`, at, () =>
      readRange(this.db, range),
    );
  }

  /**
   * A range's sums per scope, week and in all, shared with a report of the
   * same range in flight (the impact report starts from them).
   */
  private deliveryAggs(range: RangeQuery, at: number): Promise<DeliveryAggs> {
    return this.shared.run(`aggs ${rangeKey(range)}`, at, () =>
      readDeliveryAggs(this.db, range, this.rangeRows(range, at)),
    );
  }

  /** The new users of a range, shared with a report of the same range in flight. */
  private cohort(query: DevexRangeQuery, at: number): Promise<NewUser[]> {
    return this.shared.run(
      `cohort ${query.from} ${query.to} ${query.team ?? '*'}`,
      at,
      () => this.readCohort(query),
    );
  }

  /** The new users of a range (the index read by the caller). */
  private async readCohort(query: DevexRangeQuery): Promise<NewUser[]> {
    const [catalog, members] = await Promise.all([
      this.catalog.snapshot(),
      this.directory.currentMembers(),
    ]);
    const teamsOf = new Map(
      members.map(m => [m.ref.toLocaleLowerCase('en-US'), m.teams]),
    );
    const team = query.team;
    const users = await newUsers(
      this.db,
      catalog,
      teamsOf,
      query,
      this.options.nthChange,
      team ? ref => (teamsOf.get(ref) ?? []).includes(team) : undefined,
    );
    return query.team
      ? users.filter(u => u.teams.includes(query.team!))
      : users;
  }

  async onboarding(
    query: DevexRangeQuery,
    teams: Map<string, TeamInfo>,
  ): Promise<OnboardingReport> {
    const { indexing, at } = await this.caughtUp();
    const [users, sources] = await Promise.all([
      this.cohort(query, at),
      this.sources(ONBOARDING_KINDS),
    ]);
    const min = this.options.minGroupSize;
    const { folded: _totalFolded, ...totals } = onboardingFigures(users, min);

    const months = new Map<string, NewUser[]>();
    for (const u of users) {
      const m = monthOf(u.start);
      if (!months.has(m)) months.set(m, []);
      months.get(m)!.push(u);
    }
    const byMonth = [...months]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([month, list]) => ({ month, ...onboardingFigures(list, min) }));

    const perTeam = new Map<string, NewUser[]>();
    for (const u of users) {
      for (const t of u.teams) {
        if (query.team && t !== query.team) continue;
        if (!perTeam.has(t)) perTeam.set(t, []);
        perTeam.get(t)!.push(u);
      }
    }
    const byTeam: OnboardingReport['byTeam'] = [];
    const small: string[] = [];
    for (const [team, list] of [...perTeam].sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      if (list.length < min) {
        small.push(team);
        continue;
      }
      const { folded: _f, ...figures } = onboardingFigures(list, min);
      byTeam.push({
        ...teamRow(team, teams.get(team) ?? { members: 0 }),
        ...figures,
      });
    }
    if (small.length) {
      const folded = [...new Set(small.flatMap(t => perTeam.get(t)!))];
      const { folded: _f, ...figures } = onboardingFigures(folded, min);
      byTeam.push({ ...otherRow(small), ...figures });
    }
    return {
      query,
      ...(indexing ? { indexing } : {}),
      nthChange: this.options.nthChange,
      startDates: {
        annotation: users.filter(u => u.fromAnnotation).length,
        firstSeen: users.filter(u => !u.fromAnnotation).length,
      },
      totals,
      byMonth,
      byTeam,
      sources,
    };
  }

  async impact(
    query: DevexRangeQuery,
    teams: Map<string, TeamInfo>,
  ): Promise<ImpactReport> {
    const { indexing, at } = await this.caughtUp();
    const catalog = await this.catalog.snapshot();
    const scopes = this.scopesFor(query, catalog);
    const range = { from: query.from, to: query.to, scopes };
    // Started first: the adoption rows only say how to split them.
    const rows = this.rangeRows(range, at);
    const sums = this.deliveryAggs(range, at);
    const adoption = await this.db(ADOPTION)
      .where('kind', 'team')
      .select('ref', 'first_at', 'first_by');
    const period = impactPeriod(catalog, adoption, this.calendar, query);
    const [aggs, golden, users, sources] = await Promise.all([
      readImpactAggs(this.db, { ...range, period }, rows, sums),
      this.goldenPathComponents(catalog),
      this.cohort(query, at),
      this.sources(IMPACT_KINDS),
    ]);
    const report = impactReport({
      query,
      teams,
      catalog,
      aggs,
      golden,
      users,
      adoption,
      sources,
      calendar: this.calendar,
      options: this.options,
    });
    return indexing ? { ...report, indexing } : report;
  }

  /** The facts behind the figures; people only when `withPeople`. */
  async evidence(
    query: DeliveryEvidenceQuery,
    withPeople: boolean,
  ): Promise<DeliveryEvidencePage> {
    await this.caughtUp();
    const catalog = await this.catalog.snapshot();
    return deliveryEvidence(
      this.db,
      query,
      this.scopesFor(query, catalog),
      withPeople,
    );
  }

  /** A component filter must name a component entity. */
  static componentRef(value: unknown): string {
    if (
      typeof value !== 'string' ||
      !/^component:[^/:\s]+\/[^/:\s]+$/i.test(value)
    ) {
      throw new InputError(
        'component: must be a component entity ref like component:default/payments',
      );
    }
    return value.toLocaleLowerCase('en-US');
  }
}
