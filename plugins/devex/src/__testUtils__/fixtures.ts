import {
  AdoptionReport,
  DevexSourceStatus,
  GoldenPathsReport,
  ServiceLevelsReport,
  TeamSummary,
} from '@trellis/backstage-plugin-devex-common';

export const query = { from: '2026-11-02', to: '2026-12-01' };

export const analyticsSource: DevexSourceStatus = {
  id: 'analytics',
  title: 'Frontend analytics',
  facts: 1200,
  lastFactAt: '2026-12-01T09:00:00Z',
  howToConnect: 'Install the devex frontend plugin.',
};
export const scaffolderSource: DevexSourceStatus = {
  id: 'scaffolder',
  title: 'Scaffolder task outcomes',
  facts: 40,
  howToConnect:
    'Add the devex backend to the backend that runs the scaffolder.',
};
export const platformSource: DevexSourceStatus = {
  id: 'platform',
  title: 'Platform resource history',
  facts: 0,
  howToConnect:
    'Install @trellis/backstage-plugin-platform-backend; devex reads its history feed.',
};

export const adoption: AdoptionReport = {
  query,
  eligibleUsers: 120,
  totals: {
    activeUsers: 42,
    newUsers: 7,
    returningUsers: 35,
    adoptionRate: 0.35,
  },
  activeUsers: {
    daily: [
      { date: '2026-11-30', value: 18 },
      { date: '2026-12-01', value: 21 },
    ],
    weekly: [{ date: '2026-11-30', value: 30 }],
    monthly: [{ date: '2026-11-01', value: 42 }],
  },
  newVsReturning: [{ week: '2026-11-30', new: 3, returning: 27 }],
  cohorts: [
    {
      week: '2026-11-02',
      size: 5,
      retention: [0.8, 0.6, 0.4, null, null, null, null, null],
    },
  ],
  byTeam: [
    {
      team: 'group:default/team-storefront',
      title: 'Storefront',
      activeUsers: 12,
      eligibleUsers: 15,
    },
    { team: 'other', folded: true, teams: 3, activeUsers: 4, eligibleUsers: 6 },
  ],
  byPlugin: [
    { plugin: 'catalog', activeUsers: 40, events: 900 },
    { plugin: 'platform, "beta"', activeUsers: 20, events: 300 },
  ],
  sources: [analyticsSource],
};

export const goldenPaths: GoldenPathsReport = {
  query,
  totals: {
    runs: 40,
    completed: 30,
    failed: 6,
    cancelled: 4,
    successRate: 30 / 36,
    medianDurationSeconds: 95,
    p90DurationSeconds: 300,
    timeSavedSeconds: 30 * 4 * 3600,
  },
  series: [
    { date: '2026-11-30', completed: 10, failed: 2, cancelled: 1 },
    { date: '2026-12-01', completed: 20, failed: 4, cancelled: 3 },
  ],
  templates: [
    {
      templateRef: 'template:default/node-service-with-db',
      title: 'Node.js service with a database',
      runs: 40,
      completed: 30,
      failed: 6,
      cancelled: 4,
      successRate: 30 / 36,
      medianDurationSeconds: 95,
      p90DurationSeconds: 300,
      timeSavedSeconds: 30 * 4 * 3600,
      topFailures: [],
    },
  ],
  byTeam: [
    {
      team: 'group:default/team-storefront',
      title: 'Storefront',
      runs: 30,
      completed: 25,
      failed: 3,
      cancelled: 2,
      successRate: 25 / 28,
      medianDurationSeconds: 90,
      p90DurationSeconds: 200,
      timeSavedSeconds: 25 * 4 * 3600,
    },
  ],
  topFailures: [
    {
      templateRef: 'template:default/node-service-with-db',
      step: 'request-database',
      message: 'Capability local:database is unavailable, try "later"',
      count: 5,
    },
  ],
  sources: [scaffolderSource],
};

export const serviceLevels: ServiceLevelsReport = {
  query,
  totals: {
    requests: 25,
    ready: 20,
    failed: 2,
    failureRate: 2 / 22,
    timeToReadyP50Seconds: 42,
    timeToReadyP95Seconds: 310,
    pickupWaitP50Seconds: 2,
    pickupWaitP95Seconds: 15,
    rolloutsCompleted: 3,
    rolloutsFailed: 1,
  },
  series: [
    { date: '2026-11-30', requests: 10, ready: 8, failed: 1 },
    { date: '2026-12-01', requests: 15, ready: 12, failed: 1 },
  ],
  capabilities: [
    {
      capabilityRef: 'local:database',
      engine: 'local',
      requests: 25,
      ready: 20,
      failed: 2,
      failureRate: 2 / 22,
      timeToReadyP50Seconds: 42,
      timeToReadyP95Seconds: 310,
      pickupWaitP50Seconds: 2,
      pickupWaitP95Seconds: 15,
    },
  ],
  topFailures: [
    {
      capabilityRef: 'local:database',
      message: 'disk quota exceeded',
      count: 2,
    },
  ],
  sources: [platformSource],
};

export const teamSummary: TeamSummary = {
  query,
  team: 'group:default/team-storefront',
  folded: false,
  members: 15,
  activeUsers: 12,
  goldenPathRuns: 30,
  goldenPathSuccessRate: 25 / 28,
  timeSavedSeconds: 25 * 4 * 3600,
  platformRequests: 9,
  timeToReadyP50Seconds: 40,
};
