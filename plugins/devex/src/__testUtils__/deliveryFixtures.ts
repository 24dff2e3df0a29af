import {
  DeliveryEvidencePage,
  DeliveryFigures,
  DeliveryReport,
  DevexSourceStatus,
  ImpactReport,
  OnboardingFigures,
  OnboardingReport,
} from '@trellis/backstage-plugin-devex-common';
import { query } from './fixtures';

export const deliverySource: DevexSourceStatus = {
  id: 'delivery',
  title: 'Delivery events (GitHub, GitLab, PagerDuty)',
  facts: 900,
  lastFactAt: '2026-12-01T16:00:00Z',
  howToConnect:
    'Point a GitHub or GitLab webhook at /api/events/http/github or /gitlab.',
};

export function figures(
  overrides: Partial<{
    deployments: number;
    perWeek: number;
    leadP50: number | null;
    cfr: number | null;
    failed: number;
    recoveryP50: number | null;
    incidents: number;
    rework: number;
  }> = {},
): DeliveryFigures {
  const deployments = overrides.deployments ?? 40;
  const failed = overrides.failed ?? 2;
  const incidents = overrides.incidents ?? 2;
  const rework = overrides.rework ?? 1;
  return {
    deploymentFrequency: {
      deployments,
      perDay: (overrides.perWeek ?? 9.3) / 7,
      perWeek: overrides.perWeek ?? 9.3,
      tier: 'high',
    },
    leadTime: {
      changes: 55,
      p50Seconds:
        overrides.leadP50 === undefined ? 5 * 3600 : overrides.leadP50,
      p90Seconds: 30 * 3600,
      tier: 'elite',
      withoutFirstCommit: 0,
      notDeployed: 3,
    },
    changeFailureRate: {
      deployments,
      failed,
      byIncident: failed,
      byRollback: 0,
      rate: overrides.cfr === undefined ? failed / deployments : overrides.cfr,
      tier: 'elite',
    },
    recoveryTime: {
      incidents,
      p50Seconds:
        overrides.recoveryP50 === undefined ? 50 * 60 : overrides.recoveryP50,
      p90Seconds: 70 * 60,
      tier: 'elite',
      open: 1,
    },
    reworkRate: {
      deployments,
      rework,
      rate: deployments ? rework / deployments : null,
      tier: null,
    },
  };
}

const none: DeliveryFigures = {
  deploymentFrequency: { deployments: 0, perDay: 0, perWeek: 0, tier: null },
  leadTime: {
    changes: 0,
    p50Seconds: null,
    p90Seconds: null,
    tier: null,
    withoutFirstCommit: 0,
    notDeployed: 0,
  },
  changeFailureRate: {
    deployments: 0,
    failed: 0,
    byIncident: 0,
    byRollback: 0,
    rate: null,
    tier: null,
  },
  recoveryTime: {
    incidents: 0,
    p50Seconds: null,
    p90Seconds: null,
    tier: null,
    open: 0,
  },
  reworkRate: { deployments: 0, rework: 0, rate: null, tier: null },
};
export const noFigures = none;

const checkout: DeliveryFigures = {
  ...figures({ deployments: 4, perWeek: 0.9, failed: 2, incidents: 2 }),
  deploymentFrequency: {
    deployments: 4,
    perDay: 0.13,
    perWeek: 0.9,
    tier: 'medium',
  },
  leadTime: {
    changes: 20,
    p50Seconds: 8 * 86400,
    p90Seconds: 14 * 86400,
    tier: 'medium',
    withoutFirstCommit: 0,
    notDeployed: 2,
  },
  changeFailureRate: {
    deployments: 4,
    failed: 2,
    byIncident: 2,
    byRollback: 0,
    rate: 0.5,
    tier: 'low',
  },
};

export const delivery: DeliveryReport = {
  query,
  productionEnvironments: ['production', 'prod'],
  tiers: {
    source: 'DORA, Accelerate State of DevOps 2024',
    deploymentsPerWeek: { elite: 7, high: 1, medium: 0.25 },
    leadTimeHours: { elite: 24, high: 168, medium: 720 },
    changeFailureRate: { elite: 0.05, high: 0.2, medium: 0.2 },
    recoveryTimeHours: { elite: 1, high: 24, medium: 24 },
    reworkRate: null,
  },
  totals: figures(),
  series: [
    {
      week: '2026-11-23',
      deployments: 18,
      failed: 1,
      rework: 0,
      changeFailureRate: 0.056,
      reworkRate: 0,
      leadTimeP50Seconds: 6 * 3600,
      incidentsResolved: 1,
      recoveryP50Seconds: 3000,
    },
    {
      week: '2026-11-30',
      deployments: 22,
      failed: 1,
      rework: 1,
      changeFailureRate: 0.045,
      reworkRate: 0.045,
      leadTimeP50Seconds: null,
      incidentsResolved: 0,
      recoveryP50Seconds: null,
    },
  ],
  components: [
    {
      ...figures({ deployments: 36, perWeek: 8.4, failed: 0 }),
      component: 'component:default/storefront-web',
      team: 'group:default/team-storefront',
      goldenPath: false,
    },
    {
      ...checkout,
      component: 'component:default/checkout-service',
      team: 'group:default/team-payments',
      goldenPath: false,
    },
  ],
  byTeam: [
    {
      ...figures({ deployments: 36, perWeek: 8.4, failed: 0 }),
      team: 'group:default/team-storefront',
      title: 'Storefront',
      components: 1,
    },
    { ...checkout, team: 'other', folded: true, teams: 2, components: 2 },
  ],
  sources: [deliverySource],
};

export const emptyDelivery: DeliveryReport = {
  ...delivery,
  totals: none,
  series: [],
  components: [],
  byTeam: [],
  sources: [{ ...deliverySource, facts: 0, lastFactAt: undefined }],
};

export const deploymentEvidence: DeliveryEvidencePage = {
  query: { ...query, kind: 'deployments' },
  items: [
    {
      factId: 17,
      subject: 'github:deployment/acme/checkout-service/9001',
      component: 'component:default/checkout-service',
      repo: 'acme/checkout-service',
      environment: 'production',
      status: 'success',
      sha: '4f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39',
      url: 'https://github.com/acme/checkout-service/actions/runs/1',
      time: '2026-11-26T16:08:00Z',
      failed: true,
      failedBy: { incident: 'pagerduty:incident/Q1' },
      rework: false,
      changes: 6,
    },
  ],
  next: 'cursor-2',
};

export const moreDeploymentEvidence: DeliveryEvidencePage = {
  query: { ...query, kind: 'deployments', after: 'cursor-2' },
  items: [
    {
      factId: 12,
      subject: 'github:deployment/acme/checkout-service/8990',
      component: 'component:default/checkout-service',
      repo: 'acme/checkout-service',
      environment: 'production',
      status: 'success',
      sha: 'aa11bb22cc33dd44ee55ff66aa77bb88cc99dd00',
      time: '2026-11-19T16:07:00Z',
      failed: false,
      failedBy: null,
      rework: false,
      changes: 4,
    },
  ],
};

export const incidentEvidence: DeliveryEvidencePage = {
  query: { ...query, kind: 'incidents' },
  items: [
    {
      subject: 'pagerduty:incident/Q1',
      component: 'component:default/checkout-service',
      title: 'POST /orders 5xx rate above 2 %',
      url: 'https://acme.pagerduty.com/incidents/Q1',
      severity: 'high',
      openedAt: '2026-11-26T18:00:00Z',
      resolvedAt: '2026-11-27T20:00:00Z',
      recoverySeconds: 26 * 3600,
    },
  ],
};

const onboardingFigures = (o: Partial<OnboardingFigures> = {}) => ({
  newUsers: 6,
  withFirstChange: 5,
  medianDaysToFirstChange: 9.5,
  withNthChange: 2,
  medianDaysToNthChange: 41,
  ...o,
});

export const impact: ImpactReport = {
  query,
  caveat:
    'These are comparisons, not causes: teams that adopt golden paths may differ in other ways.',
  goldenPath: {
    goldenPath: {
      n: 2,
      delivery: figures({ perWeek: 5.1, leadP50: 20 * 3600 }),
      onboarding: onboardingFigures({ newUsers: 5 }),
    },
    other: {
      n: 4,
      delivery: checkout,
      onboarding: onboardingFigures({
        newUsers: 7,
        medianDaysToFirstChange: 16,
      }),
    },
  },
  teams: [
    {
      team: 'group:default/team-search',
      title: 'Search',
      adoptedAt: '2026-11-16',
      adoptedBy: 'golden-path',
      before: { n: 14, delivery: checkout, onboarding: onboardingFigures() },
      after: {
        n: 16,
        delivery: figures({ perWeek: 7.5, leadP50: 18 * 3600 }),
        onboarding: onboardingFigures(),
      },
    },
  ],
  sources: [deliverySource],
};

export const onboarding: OnboardingReport = {
  query,
  nthChange: 10,
  startDates: { annotation: 15, firstSeen: 12 },
  totals: onboardingFigures({ newUsers: 12, withFirstChange: 10 }),
  byMonth: [
    { ...onboardingFigures({ newUsers: 9 }), month: '2026-09-01' },
    {
      newUsers: 2,
      withFirstChange: 0,
      medianDaysToFirstChange: null,
      withNthChange: 0,
      medianDaysToNthChange: null,
      month: '2026-10-01',
      folded: true,
    },
  ],
  byTeam: [
    {
      ...onboardingFigures({ newUsers: 4, medianDaysToFirstChange: 5 }),
      team: 'group:default/team-storefront',
      title: 'Storefront',
    },
  ],
  sources: [deliverySource],
};
