import { ResponseError } from '@backstage/errors';
import { AnalyticsEventInput } from './analytics';
import {
  DeliveryEvidencePage,
  DeliveryEvidenceQuery,
  DeliveryQuery,
  DeliveryReport,
  ImpactReport,
  OnboardingReport,
} from './delivery';
import { IngestResult } from './facts';
import {
  AdoptionReport,
  DevexMetric,
  DevexRangeQuery,
  DevexSourceStatus,
  GoldenPathsReport,
  ServiceLevelsReport,
  TeamSummary,
} from './metrics';

/** Where the devex backend is, and how to call it. @public */
export interface DevexClientOptions {
  discoveryApi: { getBaseUrl(pluginId: string): Promise<string> };
  /** Defaults to the global fetch; the frontend passes fetchApi, which adds credentials. */
  fetchApi?: { fetch: typeof fetch };
}

/** Per-call options. @public */
export interface DevexRequestOptions {
  /** A Backstage token, for callers that are not the browser. */
  token?: string;
  signal?: AbortSignal;
}

/** The report each metric answers with. @public */
export interface DevexMetricReports {
  adoption: AdoptionReport;
  'golden-paths': GoldenPathsReport;
  'service-levels': ServiceLevelsReport;
  delivery: DeliveryReport;
  onboarding: OnboardingReport;
  impact: ImpactReport;
}

/**
 * The DevEx API as the devex backend serves it (`/api/devex`).
 *
 * @public
 */
export interface DevexApi {
  /** One metric's report for a range of days and optionally one team. */
  getMetric<M extends DevexMetric>(
    metric: M,
    query: DevexRangeQuery,
    options?: DevexRequestOptions,
  ): Promise<DevexMetricReports[M]>;
  /**
   * The delivery (DORA) figures for a range, optionally one team and/or one
   * component (`getMetric('delivery', …)` without the component filter).
   */
  getDelivery(
    query: DeliveryQuery,
    options?: DevexRequestOptions,
  ): Promise<DeliveryReport>;
  /**
   * The facts behind the delivery figures (deployments, changes or
   * incidents), newest first, one page at a time. People only for devex admins.
   */
  getDeliveryEvidence(
    query: DeliveryEvidenceQuery,
    options?: DevexRequestOptions,
  ): Promise<DeliveryEvidencePage>;
  /** A team's headline figures (the group entity card). */
  getTeamSummary(
    query: DevexRangeQuery & { team: string },
    options?: DevexRequestOptions,
  ): Promise<TeamSummary>;
  /** Every source, whether it has delivered anything and how to connect it. */
  listSources(options?: DevexRequestOptions): Promise<DevexSourceStatus[]>;
  /**
   * Stores a batch of frontend analytics events for the calling user. Resolves
   * once the backend has committed the batch; events refused one by one are
   * in `rejected`.
   */
  sendAnalytics(
    events: AnalyticsEventInput[],
    options?: DevexRequestOptions & {
      /** Lets the request outlive the page (for sending on page hide). */
      keepalive?: boolean;
    },
  ): Promise<IngestResult>;
}

/**
 * A typed client of the DevEx API, for the frontend, scripts and tests.
 *
 * @public
 */
export class DevexClient implements DevexApi {
  private readonly discoveryApi: DevexClientOptions['discoveryApi'];
  private readonly fetchApi: { fetch: typeof fetch };

  constructor(options: DevexClientOptions) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi ?? { fetch: (...args) => fetch(...args) };
  }

  async getMetric<M extends DevexMetric>(
    metric: M,
    query: DevexRangeQuery,
    options?: DevexRequestOptions,
  ): Promise<DevexMetricReports[M]> {
    return this.call<DevexMetricReports[M]>(
      'GET',
      `/metrics/${encodeURIComponent(metric)}${rangeParams(query)}`,
      options,
    );
  }

  async getDelivery(query: DeliveryQuery, options?: DevexRequestOptions) {
    return this.call<DeliveryReport>(
      'GET',
      `/metrics/delivery${rangeParams(query)}`,
      options,
    );
  }

  async getDeliveryEvidence(
    query: DeliveryEvidenceQuery,
    options?: DevexRequestOptions,
  ) {
    const params = new URLSearchParams(rangeParams(query).slice(1));
    params.set('kind', query.kind);
    if (query.after) params.set('after', query.after);
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    return this.call<DeliveryEvidencePage>(
      'GET',
      `/metrics/delivery/evidence?${params.toString()}`,
      options,
    );
  }

  async getTeamSummary(
    query: DevexRangeQuery & { team: string },
    options?: DevexRequestOptions,
  ) {
    return this.call<TeamSummary>(
      'GET',
      `/teams/summary${rangeParams(query)}`,
      options,
    );
  }

  async listSources(options?: DevexRequestOptions) {
    return this.call<DevexSourceStatus[]>('GET', '/sources', options);
  }

  async sendAnalytics(
    events: AnalyticsEventInput[],
    options?: DevexRequestOptions & { keepalive?: boolean },
  ) {
    return this.call<IngestResult>('POST', '/analytics', options, {
      events,
    });
  }

  private async call<T>(
    method: string,
    path: string,
    options?: DevexRequestOptions & { keepalive?: boolean },
    body?: unknown,
  ): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('devex');
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (options?.token) headers.Authorization = `Bearer ${options.token}`;
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options?.signal,
      ...(options?.keepalive ? { keepalive: true } : {}),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}

function rangeParams(query: DevexRangeQuery & { component?: string }): string {
  const params = new URLSearchParams({ from: query.from, to: query.to });
  if (query.team) params.set('team', query.team);
  if (query.component) params.set('component', query.component);
  return `?${params.toString()}`;
}
