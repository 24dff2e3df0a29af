import { InputError } from '@backstage/errors';
import {
  DeliveryEvidencePage,
  DeliveryEvidenceQuery,
  DeliveryQuery,
  DeliveryReport,
  DeliveryTierThresholds,
  DevexRangeQuery,
  DevexSourceStatus,
  DevexTeamRow,
  ImpactReport,
  ImpactSide,
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
import {
  addAgg,
  byScope,
  DeliveryAgg,
  deliveryFigures,
  emptyAgg,
  sumAggs,
} from './aggregates';
import {
  DeliveryCatalogReader,
  DeliveryCatalogSnapshot,
} from './DeliveryCatalog';
import { ADOPTION, DeliveryIndex } from './DeliveryIndex';
import { readAggs, readDeliveryAggs } from './DeliveryReader';
import { deliveryEvidence } from './evidence';
import { NewUser, newUsers, onboardingFigures } from './Onboarding';

export interface DeliveryMetricsOptions {
  minGroupSize: number;
  productionEnvironments: string[];
  tiers: DeliveryTierThresholds;
  /** N of "days to the Nth merged change". */
  nthChange: number;
}

export const IMPACT_CAVEAT =
  'These are comparisons between groups, with the size of each group; they do not show that the platform caused any difference.';

/** The kinds the delivery reports read, for their `sources`. */
export const DELIVERY_KINDS = ['delivery.'];
export const ONBOARDING_KINDS = ['delivery.change.merged', 'activity'];
export const IMPACT_KINDS = [
  'delivery.',
  'golden-path.run',
  'platform.requested',
];

const isComponentRef = (scope: string) => scope.startsWith('component:');

/**
 * The delivery (DORA), onboarding and platform-impact reports, from the
 * delivery index (grouped reads bounded by the range) and the catalog.
 */
export class DeliveryMetrics {
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
    await this.index.catchUp();
    const catalog = await this.catalog.snapshot();
    const scopes = this.scopesFor(query, catalog);
    const [aggs, golden, sources] = await Promise.all([
      readDeliveryAggs(this.db, { ...query, scopes }),
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
      productionEnvironments: this.options.productionEnvironments,
      tiers,
      totals: deliveryFigures(aggs.total, days, tiers),
      series,
      components,
      byTeam,
      sources,
    };
  }

  private async cohort(query: DevexRangeQuery): Promise<NewUser[]> {
    await this.index.catchUp();
    const [catalog, members] = await Promise.all([
      this.catalog.snapshot(),
      this.directory.currentMembers(),
    ]);
    const teamsOf = new Map(
      members.map(m => [m.ref.toLocaleLowerCase('en-US'), m.teams]),
    );
    const users = await newUsers(
      this.db,
      catalog,
      teamsOf,
      query,
      this.options.nthChange,
    );
    return query.team
      ? users.filter(u => u.teams.includes(query.team!))
      : users;
  }

  async onboarding(
    query: DevexRangeQuery,
    teams: Map<string, TeamInfo>,
  ): Promise<OnboardingReport> {
    const [users, sources] = await Promise.all([
      this.cohort(query),
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
    await this.index.catchUp();
    const catalog = await this.catalog.snapshot();
    const scopes = this.scopesFor(query, catalog);
    const [aggs, golden, users, adoption, sources] = await Promise.all([
      readAggs(this.db, { ...query, scopes, period: 'day' }),
      this.goldenPathComponents(catalog),
      this.cohort(query),
      this.db(ADOPTION)
        .where('kind', 'team')
        .select('ref', 'first_at', 'first_by'),
      this.sources(IMPACT_KINDS),
    ]);
    const { tiers, minGroupSize: min } = this.options;
    const days = daysBetween(query.from, query.to) + 1;
    const perScope = byScope(aggs);

    // Golden-path components vs the rest.
    const gpAggs: DeliveryAgg[] = [];
    const otherAggs: DeliveryAgg[] = [];
    for (const [scope, agg] of perScope) {
      if (scope === '') continue; // incidents of no component
      (golden.has(scope) ? gpAggs : otherAggs).push(agg);
    }
    const gpTeams = new Set(
      [...golden].map(c => catalog.components.get(c)?.owner).filter(Boolean),
    );
    const gpUsers = users.filter(u => u.teams.some(t => gpTeams.has(t)));
    const otherUsers = users.filter(u => !u.teams.some(t => gpTeams.has(t)));
    const side = (
      n: number,
      agg: DeliveryAgg,
      d: number,
      list: NewUser[],
    ): ImpactSide => {
      const { folded: _f, ...onboarding } = onboardingFigures(list, min);
      return { n, delivery: deliveryFigures(agg, d, tiers), onboarding };
    };

    // Per team: before and after its first golden-path run or platform request.
    const adopted = new Map(adoption.map(a => [a.ref as string, a]));
    const ownedBy = new Map<string, string[]>();
    for (const [ref, c] of catalog.components) {
      if (!c.owner) continue;
      if (!ownedBy.has(c.owner)) ownedBy.set(c.owner, []);
      ownedBy.get(c.owner)!.push(ref);
    }
    interface Split {
      adoptedAt: string | null;
      adoptedBy: 'golden-path' | 'platform-resource' | null;
      before: { days: number; agg: DeliveryAgg; users: NewUser[] } | null;
      after: { days: number; agg: DeliveryAgg; users: NewUser[] } | null;
    }
    const splitOf = (team: string): Split => {
      const a = adopted.get(team);
      const adoptedDay = a ? this.calendar.dayOf(a.first_at) : null;
      const cut = adoptedDay ?? addDays(query.to, 1);
      const before =
        cut > query.from
          ? { days: 0, agg: emptyAgg(), users: [] as NewUser[] }
          : null;
      const after =
        cut <= query.to
          ? { days: 0, agg: emptyAgg(), users: [] as NewUser[] }
          : null;
      const beforeEnd =
        addDays(cut, -1) < query.to ? addDays(cut, -1) : query.to;
      const afterStart = cut > query.from ? cut : query.from;
      if (before) before.days = daysBetween(query.from, beforeEnd) + 1;
      if (after) after.days = daysBetween(afterStart, query.to) + 1;
      for (const scope of ownedBy.get(team) ?? []) {
        for (const [period, agg] of aggs.get(scope) ?? []) {
          // Range-wide counts ('') go to the side the range ends on.
          let target = period < cut ? before : after;
          if (period === '') target = after ?? before;
          if (target) addAgg(target.agg, agg);
        }
      }
      for (const u of users) {
        if (!u.teams.includes(team)) continue;
        const target = u.start < cut ? before : after;
        target?.users.push(u);
      }
      return {
        adoptedAt: a?.first_at ?? null,
        adoptedBy: (a?.first_by as Split['adoptedBy']) ?? null,
        before,
        after,
      };
    };
    const toSide = (s: Split['before']) =>
      s ? side(s.days, s.agg, s.days, s.users) : null;

    const candidates = new Map(
      [...teams].filter(([ref]) => !query.team || ref === query.team),
    );
    const { shown, folded } = foldTeams(candidates, min);
    const teamRows: ImpactReport['teams'] = shown.map(([ref, info]) => {
      const s = splitOf(ref);
      return {
        ...teamRow(ref, info),
        adoptedAt: s.adoptedAt,
        adoptedBy: s.adoptedBy,
        before: toSide(s.before),
        after: toSide(s.after),
      };
    });
    if (folded.length) {
      const merge = (parts: Split['before'][]) => {
        const present = parts.filter(Boolean) as NonNullable<Split['before']>[];
        if (!present.length) return null;
        return {
          days: present.reduce((t, p) => t + p.days, 0),
          agg: sumAggs(present.map(p => p.agg)),
          users: [...new Set(present.flatMap(p => p.users))],
        };
      };
      const splits = folded.map(splitOf);
      teamRows.push({
        ...(otherRow(folded) as DevexTeamRow),
        adoptedAt: null,
        adoptedBy: null,
        before: toSide(merge(splits.map(s => s.before))),
        after: toSide(merge(splits.map(s => s.after))),
      });
    }

    return {
      query,
      caveat: IMPACT_CAVEAT,
      goldenPath: {
        goldenPath: side(gpAggs.length, sumAggs(gpAggs), days, gpUsers),
        other: side(otherAggs.length, sumAggs(otherAggs), days, otherUsers),
      },
      teams: teamRows,
      sources,
    };
  }

  /** The facts behind the figures; people only when `withPeople`. */
  async evidence(
    query: DeliveryEvidenceQuery,
    withPeople: boolean,
  ): Promise<DeliveryEvidencePage> {
    await this.index.catchUp();
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
