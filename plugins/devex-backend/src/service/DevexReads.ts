import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';
import {
  AdoptionReport,
  DeliveryEvidencePage,
  DeliveryReport,
  devexAdminPermission,
  DevexMetric,
  devexMetricsReadPermission,
  GoldenPathsReport,
  ImpactReport,
  OnboardingReport,
  ServiceLevelsReport,
  TeamSummary,
} from '@trellis/backstage-plugin-devex-common';
import { MetricsService } from '../metrics/MetricsService';
import { DeliveryMetrics } from '../metrics/delivery/DeliveryMetrics';
import {
  decodeCursor,
  evidenceKind,
  evidenceLimit,
} from '../metrics/delivery/evidence';
import { parseRange, teamRef } from '../metrics/query';

/** A metrics question as it arrives (query string or action input), unchecked. */
export interface RawMetricsQuery {
  from?: unknown;
  to?: unknown;
  team?: unknown;
  component?: unknown;
}

/** An evidence question as it arrives, unchecked. */
export interface RawEvidenceQuery extends RawMetricsQuery {
  kind?: unknown;
  after?: unknown;
  limit?: unknown;
}

export interface DevexReadsOptions {
  permissions: PermissionsService;
  metrics: MetricsService;
  delivery: DeliveryMetrics;
  maxRangeDays: number;
}

const given = (value: unknown) => value !== undefined && value !== '';

/**
 * The DevEx figures as a caller may read them: the permission check, the
 * validation (errors name the field) and the privacy folding, in one place
 * for the HTTP routes and the actions (MCP tools), so that neither can be
 * reached around the other.
 */
export class DevexReads {
  constructor(private readonly options: DevexReadsOptions) {}

  /** Refuses unless the caller holds the permission. */
  async authorize(
    credentials: BackstageCredentials,
    permission: BasicPermission,
  ): Promise<void> {
    if (!(await this.allows(credentials, permission))) {
      throw new NotAllowedError(`Not allowed: ${permission.name}`);
    }
  }

  private async allows(
    credentials: BackstageCredentials,
    permission: BasicPermission,
  ): Promise<boolean> {
    const [decision] = await this.options.permissions.authorize(
      [{ permission }],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }

  private range(raw: RawMetricsQuery) {
    return parseRange(
      { from: raw.from, to: raw.to, team: raw.team },
      this.options.maxRangeDays,
    );
  }

  async metric(
    credentials: BackstageCredentials,
    metric: DevexMetric,
    raw: RawMetricsQuery,
  ): Promise<
    | AdoptionReport
    | GoldenPathsReport
    | ServiceLevelsReport
    | DeliveryReport
    | OnboardingReport
    | ImpactReport
  > {
    switch (metric) {
      case 'adoption':
        return this.adoption(credentials, raw);
      case 'golden-paths':
        return this.goldenPaths(credentials, raw);
      case 'service-levels':
        return this.serviceLevels(credentials, raw);
      case 'delivery':
        return this.delivery(credentials, raw);
      case 'onboarding':
        return this.onboarding(credentials, raw);
      case 'impact':
        return this.impact(credentials, raw);
      default:
        await this.authorize(credentials, devexMetricsReadPermission);
        throw new InputError(`metric: unknown metric '${metric}'`);
    }
  }

  /** Only delivery is per component; elsewhere the field is refused, not ignored. */
  private async rangeOnly(
    credentials: BackstageCredentials,
    metric: DevexMetric,
    raw: RawMetricsQuery,
  ) {
    await this.authorize(credentials, devexMetricsReadPermission);
    if (raw.component !== undefined) {
      throw new InputError(
        `component: only the delivery figures are per component, not ${metric}`,
      );
    }
    return this.range(raw);
  }

  async adoption(
    credentials: BackstageCredentials,
    raw: RawMetricsQuery,
  ): Promise<AdoptionReport> {
    const query = await this.rangeOnly(credentials, 'adoption', raw);
    return this.options.metrics.adoption(query);
  }

  async goldenPaths(
    credentials: BackstageCredentials,
    raw: RawMetricsQuery,
  ): Promise<GoldenPathsReport> {
    const query = await this.rangeOnly(credentials, 'golden-paths', raw);
    return this.options.metrics.goldenPaths(query);
  }

  async serviceLevels(
    credentials: BackstageCredentials,
    raw: RawMetricsQuery,
  ): Promise<ServiceLevelsReport> {
    const query = await this.rangeOnly(credentials, 'service-levels', raw);
    return this.options.metrics.serviceLevels(query);
  }

  async delivery(
    credentials: BackstageCredentials,
    raw: RawMetricsQuery,
  ): Promise<DeliveryReport> {
    await this.authorize(credentials, devexMetricsReadPermission);
    const query = this.range(raw);
    const teams = await this.options.metrics.teamsFor(query);
    return this.options.delivery.delivery(
      given(raw.component)
        ? { ...query, component: DeliveryMetrics.componentRef(raw.component) }
        : query,
      teams,
    );
  }

  async onboarding(
    credentials: BackstageCredentials,
    raw: RawMetricsQuery,
  ): Promise<OnboardingReport> {
    const query = await this.rangeOnly(credentials, 'onboarding', raw);
    return this.options.delivery.onboarding(
      query,
      await this.options.metrics.teamsFor(query),
    );
  }

  async impact(
    credentials: BackstageCredentials,
    raw: RawMetricsQuery,
  ): Promise<ImpactReport> {
    const query = await this.rangeOnly(credentials, 'impact', raw);
    return this.options.delivery.impact(
      query,
      await this.options.metrics.teamsFor(query),
    );
  }

  /**
   * The facts behind the delivery figures. Who deployed or authored is shown
   * only to devex admins, and only when `people` allows it (the actions
   * leave it out for service principals: see DevexActions).
   */
  async evidence(
    credentials: BackstageCredentials,
    raw: RawEvidenceQuery,
    people: { forServices: boolean } = { forServices: true },
  ): Promise<DeliveryEvidencePage> {
    await this.authorize(credentials, devexMetricsReadPermission);
    const query = {
      ...this.range(raw),
      kind: evidenceKind(raw.kind),
      ...(given(raw.component)
        ? { component: DeliveryMetrics.componentRef(raw.component) }
        : {}),
      ...(given(raw.after) ? { after: String(raw.after) } : {}),
      limit: evidenceLimit(raw.limit),
    };
    decodeCursor(query.after);
    await this.options.metrics.teamsFor(query);
    const withPeople =
      (people.forServices ||
        (credentials.principal as { type?: string }).type === 'user') &&
      (await this.allows(credentials, devexAdminPermission));
    return this.options.delivery.evidence(query, withPeople);
  }

  async teamSummary(
    credentials: BackstageCredentials,
    raw: { from?: unknown; to?: unknown; team?: unknown },
  ): Promise<TeamSummary> {
    await this.authorize(credentials, devexMetricsReadPermission);
    const query = parseRange(
      { from: raw.from, to: raw.to },
      this.options.maxRangeDays,
    );
    const team = teamRef(raw.team);
    return this.options.metrics.teamSummary({ ...query, team });
  }
}
