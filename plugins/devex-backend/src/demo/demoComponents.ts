/*
 * The demo's example components (examples/entities.yaml), their owners and
 * how each team delivers, and when team-search adopts the golden paths.
 */

/** How a component's team delivers: cadence, review time, stability. */
export interface DeliveryHabits {
  mergesPerWorkday: number;
  /** First commit to merge, in hours (log-uniform between the two). */
  reviewHours: [number, number];
  /**
   * Production releases: every merge after the pipeline (minutes), or
   * scheduled at the given UTC hours on the given weekdays (0 = Sunday).
   */
  releases:
    | { pipelineMinutes: [number, number] }
    | { weekdays: number[]; hours: number[] };
  /** Share of planned production deployments that fail and are retried. */
  failedDeployments: number;
  /** Share of planned production deployments that cause an incident. */
  incidents: number;
  /** Incident opened to resolved, in minutes (log-uniform). */
  recoveryMinutes: [number, number];
}

export interface DemoComponent {
  name: string;
  owner: string;
  incidentsFrom: 'pagerduty' | 'github';
  habits: DeliveryHabits;
  /** From this period day on the team works on golden paths, and delivers so. */
  adopted?: { day: number; habits: DeliveryHabits };
  /** Created from a golden path on this period day: no history before. */
  createdOnDay?: number;
  incidentTitles: string[];
}

/** The period day on which team-search adopts the golden paths. */
export const ADOPTION_DAY = 45;
/** The team of the example org that adopts the golden paths mid-period. */
export const ADOPTING_TEAM = 'group:default/team-search';

const searchBefore: DeliveryHabits = {
  mergesPerWorkday: 1,
  reviewHours: [20, 140],
  releases: { weekdays: [2, 5], hours: [15] },
  failedDeployments: 0.1,
  incidents: 0.22,
  recoveryMinutes: [150, 900],
};
const searchAfter: DeliveryHabits = {
  mergesPerWorkday: 2,
  reviewHours: [3, 30],
  releases: { weekdays: [1, 2, 3, 4, 5], hours: [11, 16] },
  failedDeployments: 0.04,
  incidents: 0.08,
  recoveryMinutes: [30, 150],
};

/**
 * The example components (examples/entities.yaml) and how their teams
 * deliver: team-storefront ships every merge within the hour, team-payments
 * releases checkout-service once a week and struggles with it (its golden
 * path service, ledger-service, does better), team-search moves to golden
 * paths on ADOPTION_DAY, team-data releases daily.
 */
export const DEMO_COMPONENTS: DemoComponent[] = [
  {
    name: 'storefront-web',
    owner: 'group:default/team-storefront',
    incidentsFrom: 'pagerduty',
    habits: {
      mergesPerWorkday: 4,
      reviewHours: [1.5, 14],
      releases: { pipelineMinutes: [18, 45] },
      failedDeployments: 0.02,
      incidents: 0.04,
      recoveryMinutes: [15, 70],
    },
    incidentTitles: [
      'Checkout button unresponsive on Safari',
      'Product images return 404 from the CDN',
      'Largest Contentful Paint above 4 s on the home page',
    ],
  },
  {
    name: 'checkout-service',
    owner: 'group:default/team-payments',
    incidentsFrom: 'pagerduty',
    habits: {
      mergesPerWorkday: 1.3,
      reviewHours: [40, 260],
      releases: { weekdays: [4], hours: [16] },
      failedDeployments: 0.12,
      incidents: 0.4,
      recoveryMinutes: [480, 4320],
    },
    incidentTitles: [
      'POST /orders 5xx rate above 2 %',
      'Orders stuck in PENDING_PAYMENT',
      'Checkout p99 latency above 3 s',
      'Duplicate orders after payment retry',
    ],
  },
  {
    name: 'ledger-service',
    owner: 'group:default/team-payments',
    incidentsFrom: 'pagerduty',
    createdOnDay: 12,
    habits: {
      mergesPerWorkday: 1.2,
      reviewHours: [6, 48],
      releases: { weekdays: [1, 2, 3, 4, 5], hours: [11] },
      failedDeployments: 0.05,
      incidents: 0.1,
      recoveryMinutes: [45, 240],
    },
    incidentTitles: [
      'Settlement batch did not balance',
      'Ledger consumer lag above 10 minutes',
    ],
  },
  {
    name: 'search-api',
    owner: ADOPTING_TEAM,
    incidentsFrom: 'github',
    habits: searchBefore,
    adopted: { day: ADOPTION_DAY, habits: searchAfter },
    incidentTitles: [
      'Search returns no results for accented queries',
      'Index rebuild stalled, results a day old',
      'search-api p95 above 800 ms',
    ],
  },
  {
    name: 'recommendations-service',
    owner: ADOPTING_TEAM,
    incidentsFrom: 'github',
    createdOnDay: ADOPTION_DAY + 2,
    habits: { ...searchAfter, mergesPerWorkday: 1.4 },
    incidentTitles: ['Recommendations empty for new customers'],
  },
  {
    name: 'events-pipeline',
    owner: 'group:default/team-data',
    incidentsFrom: 'github',
    habits: {
      mergesPerWorkday: 1.6,
      reviewHours: [8, 72],
      releases: { weekdays: [1, 2, 3, 4, 5], hours: [14] },
      failedDeployments: 0.06,
      incidents: 0.15,
      recoveryMinutes: [90, 480],
    },
    incidentTitles: [
      'Page-view events dropped between 02:00 and 04:00',
      'Warehouse load job failing on schema change',
    ],
  },
];
