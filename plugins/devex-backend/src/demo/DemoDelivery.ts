import {
  DevexFact,
  DevexFactKind,
} from '@trellis/backstage-plugin-devex-common';
import { createHash } from 'crypto';
import { joinDay, random } from './seeded';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Days simulated before the period, so its first releases have a past. */
const LEAD_IN_DAYS = 21;

/** How a component's team delivers: cadence, review time, stability. */
interface DeliveryHabits {
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

interface DemoComponent {
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

/** Days from a new hire's first day in the portal to their first merge. */
const RAMP_DAYS: Record<string, [number, number]> = {
  'group:default/team-storefront': [3, 7],
  'group:default/team-payments': [12, 24],
  'group:default/team-search': [6, 14],
  'group:default/team-data': [5, 12],
};

export interface DemoUser {
  ref: string;
  teams?: string[];
}

interface Change {
  number: number;
  sha: string;
  firstCommitAt: number;
  mergedAt: number;
  author: string;
  labels: string[];
}

interface Incident {
  number: number;
  openedAt: number;
  resolvedAt?: number;
  title: string;
  severity: string;
}

interface Release {
  at: number;
  planned: boolean;
  fixes?: Incident;
}

const between = (r: number, [min, max]: [number, number]) =>
  min * (max / min) ** r;

const hex = (seed: string) => createHash('sha1').update(seed).digest('hex');

/** Poisson-distributed count with mean `mean`, at most `max`. */
function count(rnd: () => number, mean: number, max: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rnd();
  while (p > limit && k < max) {
    k++;
    p *= rnd();
  }
  return k;
}

/** Sorted insert by `key`. */
function insert<T>(list: T[], item: T, key: (t: T) => number) {
  let i = list.length;
  while (i > 0 && key(list[i - 1]) > key(item)) i--;
  list.splice(i, 0, item);
}

/**
 * Who merges changes into a team's components on a day: its members, of
 * whom the later half to join the portal are new hires who merge their first
 * change some days after they joined (onboarding). With no member of the
 * team in the catalog, every user. The example org (examples/org.yaml) gives
 * the others a `trellis.dev/start-date` before the period.
 */
class Authors {
  private readonly firstMergeDay = new Map<string, number>();
  private readonly members = new Map<string, string[]>();

  constructor(users: DemoUser[]) {
    for (const component of DEMO_COMPONENTS) {
      if (this.members.has(component.owner)) continue;
      const joined = users
        .map((user, index) => ({
          ref: user.ref,
          day: joinDay(index, users.length),
        }))
        .filter(
          (_, index) => users[index].teams?.includes(component.owner) ?? false,
        );
      const members = joined.length
        ? joined
        : users.map((user, index) => ({
            ref: user.ref,
            day: joinDay(index, users.length),
          }));
      const newHires = Math.ceil(members.length / 2);
      members.forEach((member, i) => {
        const ramp = RAMP_DAYS[component.owner] ?? [5, 15];
        const rnd = random(`${member.ref}|first-merge`);
        const day =
          i < members.length - newHires
            ? -Infinity
            : member.day + Math.round(ramp[0] + rnd() * (ramp[1] - ramp[0]));
        if (!this.firstMergeDay.has(member.ref)) {
          this.firstMergeDay.set(member.ref, day);
        }
      });
      this.members.set(
        component.owner,
        members.map(m => m.ref),
      );
    }
  }

  /** A member who merges on `day`; a new hire likely on their first day. */
  pick(team: string, day: number, r: number): string | undefined {
    const members = this.members.get(team) ?? [];
    const starting = members.find(m => this.firstMergeDay.get(m) === day);
    if (starting && r < 0.5) return starting;
    const active = members.filter(m => this.firstMergeDay.get(m)! <= day);
    return active.length ? active[Math.floor(r * active.length)] : undefined;
  }
}

/**
 * The delivery history of the example components over the demo period:
 * merged pull requests (first commit, merge sha, author), staging and
 * production deployments of those shas, failed deployments retried, and
 * incidents resolved by a hotfix deployed out of the release schedule.
 * The facts are the ones the delivery module makes of GitHub and PagerDuty
 * webhooks, with the same source ids.
 *
 * The story's days (adoption, creations, new hires) count from `storyStart`,
 * the first day of the period when the demo first ran, so a portal that runs
 * for weeks keeps one story; facts are made for the period from
 * `periodStart` to `now`. Each day of each component is derived from its own
 * seed and the releases from the days just before, so a day gives the same
 * facts whichever day the demo runs on.
 */
export function deliveryFacts(
  users: DemoUser[],
  period: { storyStart: number; periodStart: number; now: Date },
): { delivery: DevexFact[]; creations: DevexFact[] } {
  if (users.length === 0) return { delivery: [], creations: [] };
  const authors = new Authors(users);
  const delivery: DevexFact[] = [];
  const creations: DevexFact[] = [];
  const { storyStart, periodStart } = period;
  const now = period.now.getTime();
  for (const component of DEMO_COMPONENTS) {
    const history = simulate(component, authors, storyStart, periodStart, now);
    delivery.push(...toFacts(component, history, periodStart, now));
    if (component.createdOnDay !== undefined) {
      const at = storyStart + component.createdOnDay * DAY + 10 * HOUR;
      const actor =
        authors.pick(component.owner, component.createdOnDay, 0) ??
        users[0].ref;
      const taskId = `demo-create-${component.name}`;
      if (at <= now) {
        creations.push({
          sourceId: `scaffolder:task/${taskId}/completed`,
          kind: DevexFactKind.goldenPathRun,
          time: new Date(at).toISOString(),
          actor,
          templateRef: 'template:default/node-service-with-database',
          entityRef: `component:default/${component.name}`,
          subject: `scaffolder:task/${taskId}`,
          value: 212,
          attributes: {
            taskId,
            status: 'completed',
            goldenPath: true,
            timeSavedSeconds: 4 * 3600,
          },
        });
      }
    }
  }
  return { delivery, creations };
}

interface Deployment {
  id: number;
  environment: 'production' | 'staging';
  createdAt: number;
  finishedAt: number;
  sha: string;
  status: 'success' | 'failure';
}

interface History {
  changes: Change[];
  deployments: Deployment[];
  incidents: Incident[];
}

function simulate(
  component: DemoComponent,
  authors: Authors,
  storyStart: number,
  periodStart: number,
  now: number,
): History {
  const repo = `acme/${component.name}`;
  const habitsOn = (day: number) =>
    component.adopted && day >= component.adopted.day
      ? component.adopted.habits
      : component.habits;
  const numberOn = (at: number, slot: number) =>
    (Math.floor(at / DAY) - 20000) * 16 + slot;
  const changes: Change[] = [];
  const releases: Release[] = [];
  const firstDay = Math.max(
    component.createdOnDay ?? -Infinity,
    Math.round((periodStart - storyStart) / DAY) - LEAD_IN_DAYS,
  );
  const lastDay = Math.floor((now - storyStart) / DAY);
  for (let day = firstDay; day <= lastDay; day++) {
    const dayStart = storyStart + day * DAY;
    const date = new Date(dayStart).toISOString().slice(0, 10);
    const weekday = new Date(dayStart).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    const habits = habitsOn(day);
    const rnd = random(`${date}|delivery|${component.name}`);
    const merges = count(
      rnd,
      habits.mergesPerWorkday * (weekend ? 0.08 : 1),
      10,
    );
    const times = Array.from(
      { length: merges },
      () => dayStart + (8.5 + rnd() * 9.5) * HOUR,
    ).sort((a, b) => a - b);
    times.forEach((mergedAt, slot) => {
      const author = authors.pick(component.owner, day, rnd());
      const review = between(rnd(), habits.reviewHours) * HOUR;
      const label = ['feature', 'bug', 'dependencies', 'chore'][
        Math.floor(rnd() * 4)
      ];
      if (!author) return;
      const change: Change = {
        number: numberOn(dayStart, slot),
        sha: hex(`${repo}|${date}|${slot}`),
        firstCommitAt: Math.round(mergedAt - review),
        mergedAt: Math.round(mergedAt),
        author,
        labels: [label],
      };
      changes.push(change);
      if ('pipelineMinutes' in habits.releases) {
        releases.push({
          at:
            change.mergedAt +
            between(rnd(), habits.releases.pipelineMinutes) * MINUTE,
          planned: true,
        });
      }
    });
    if (
      'weekdays' in habits.releases &&
      habits.releases.weekdays.includes(weekday)
    ) {
      for (const hour of habits.releases.hours) {
        releases.push({ at: dayStart + hour * HOUR, planned: true });
      }
    }
  }
  changes.sort((a, b) => a.mergedAt - b.mergedAt);
  releases.sort((a, b) => a.at - b.at);

  const deployments: Deployment[] = [];
  const incidents: Incident[] = [];
  const hotfixesOn = new Map<number, number>();
  let deployed: string | undefined;
  for (let r = 0; r < releases.length; r++) {
    const release = releases[r];
    const head = [...changes].reverse().find(c => c.mergedAt < release.at);
    const rnd = random(`${repo}|release|${release.at}`);
    if (!head || head.sha === deployed) {
      if (release.fixes) release.fixes.resolvedAt = release.at + 10 * MINUTE;
      continue;
    }
    const createdAt = Math.round(release.at);
    const finishedAt = createdAt + Math.round((3 + rnd() * 9) * MINUTE);
    const habits = habitsOn(Math.floor((createdAt - storyStart) / DAY));
    const failed = release.planned && rnd() < habits.failedDeployments;
    deployments.push({
      id: parseInt(hex(`${repo}|production|${createdAt}`).slice(0, 8), 16),
      environment: 'production',
      createdAt,
      finishedAt,
      sha: head.sha,
      status: failed ? 'failure' : 'success',
    });
    if (failed) {
      // Retried once the pipeline is fixed; the change is not out yet.
      insert(
        releases,
        { at: finishedAt + (20 + rnd() * 60) * MINUTE, planned: false },
        x => x.at,
      );
      continue;
    }
    deployed = head.sha;
    if (release.fixes) {
      release.fixes.resolvedAt =
        finishedAt + Math.round((5 + rnd() * 20) * MINUTE);
      continue;
    }
    if (!release.planned || rnd() >= habits.incidents) continue;
    const openedAt = finishedAt + Math.round((10 + rnd() * 170) * MINUTE);
    const recovery = between(rnd(), habits.recoveryMinutes) * MINUTE;
    const openedDay = Math.floor(openedAt / DAY) * DAY;
    const hotfixes = hotfixesOn.get(openedDay) ?? 0;
    hotfixesOn.set(openedDay, hotfixes + 1);
    const incident: Incident = {
      number: numberOn(openedAt, 13 + (hotfixes % 3)),
      openedAt,
      title:
        component.incidentTitles[
          Math.floor(rnd() * component.incidentTitles.length)
        ],
      severity: rnd() < 0.3 ? 'high' : 'low',
    };
    incidents.push(incident);
    const mergedAt = Math.round(openedAt + recovery * 0.55);
    const author =
      authors.pick(
        component.owner,
        Math.floor((openedAt - storyStart) / DAY),
        rnd(),
      ) ?? head.author;
    insert(
      changes,
      {
        number: numberOn(openedAt, 10 + (hotfixes % 3)),
        sha: hex(`${repo}|hotfix|${openedAt}`),
        firstCommitAt: Math.round(openedAt + recovery * 0.15),
        mergedAt,
        author,
        labels: ['hotfix'],
      },
      c => c.mergedAt,
    );
    insert(
      releases,
      { at: mergedAt + recovery * 0.15, planned: false, fixes: incident },
      x => x.at,
    );
  }

  for (const change of changes) {
    const rnd = random(`${repo}|staging|${change.sha}`);
    const createdAt = change.mergedAt + Math.round((6 + rnd() * 9) * MINUTE);
    deployments.push({
      id: parseInt(hex(`${repo}|staging|${change.sha}`).slice(0, 8), 16),
      environment: 'staging',
      createdAt,
      finishedAt: createdAt + Math.round((2 + rnd() * 5) * MINUTE),
      sha: change.sha,
      status: rnd() < 0.03 ? 'failure' : 'success',
    });
  }
  return { changes, deployments, incidents };
}

/**
 * The facts of a simulated history that fall in the period and before now,
 * plus the changes merged before the period that its first production
 * release carries (so every deployed sha has its change).
 */
function toFacts(
  component: DemoComponent,
  history: History,
  periodStart: number,
  now: number,
): DevexFact[] {
  const repo = `acme/${component.name}`;
  const entityRef = `component:default/${component.name}`;
  const iso = (t: number) => new Date(t).toISOString();
  const facts: DevexFact[] = [];
  const lastReleaseBefore = Math.max(
    -Infinity,
    ...history.deployments
      .filter(
        d =>
          d.environment === 'production' &&
          d.status === 'success' &&
          d.finishedAt < periodStart,
      )
      .map(d => d.createdAt),
  );
  for (const change of history.changes) {
    if (change.mergedAt > now || change.mergedAt <= lastReleaseBefore) continue;
    facts.push({
      sourceId: `github:pr/${repo}/${change.number}/merged`,
      kind: DevexFactKind.deliveryChangeMerged,
      time: iso(change.mergedAt),
      subject: `github:pr/${repo}/${change.number}`,
      entityRef,
      actor: change.author,
      value: Math.round((change.mergedAt - change.firstCommitAt) / 1000),
      attributes: {
        provider: 'github',
        repo,
        number: change.number,
        url: `https://github.com/${repo}/pull/${change.number}`,
        firstCommitAt: iso(change.firstCommitAt),
        mergeSha: change.sha,
        baseBranch: 'main',
        labels: change.labels,
      },
    });
  }
  for (const deployment of history.deployments) {
    if (deployment.finishedAt < periodStart || deployment.finishedAt > now) {
      continue;
    }
    const statusId = parseInt(
      hex(`${repo}|status|${deployment.id}`).slice(0, 8),
      16,
    );
    facts.push({
      sourceId: `github:deployment/${repo}/${deployment.id}/status/${statusId}`,
      kind: DevexFactKind.deliveryDeployment,
      time: iso(deployment.finishedAt),
      subject: `github:deployment/${repo}/${deployment.id}`,
      entityRef,
      attributes: {
        provider: 'github',
        repo,
        id: String(deployment.id),
        environment: deployment.environment,
        production: deployment.environment === 'production',
        status: deployment.status,
        sha: deployment.sha,
        url: `https://github.com/${repo}/actions/runs/${statusId}`,
        createdAt: iso(deployment.createdAt),
      },
    });
  }
  for (const incident of history.incidents) {
    const resolved =
      incident.resolvedAt !== undefined && incident.resolvedAt <= now
        ? incident.resolvedAt
        : undefined;
    if ((resolved ?? incident.openedAt) < periodStart) continue;
    if (incident.openedAt > now) continue;
    const pagerduty = component.incidentsFrom === 'pagerduty';
    const id = pagerduty
      ? `Q${hex(`${repo}|incident|${incident.openedAt}`)
          .slice(0, 13)
          .toUpperCase()}`
      : `${repo}#${incident.number}`;
    const subject = `${pagerduty ? 'pagerduty' : 'github'}:incident/${id}`;
    const attributes = {
      provider: pagerduty ? 'pagerduty' : 'github',
      id,
      title: incident.title,
      url: pagerduty
        ? `https://acme.pagerduty.com/incidents/${id}`
        : `https://github.com/${repo}/issues/${incident.number}`,
      severity: pagerduty
        ? incident.severity
        : `sev${incident.severity === 'high' ? 2 : 3}`,
      openedAt: iso(incident.openedAt),
    };
    facts.push({
      sourceId: `${subject}/opened`,
      kind: DevexFactKind.deliveryIncidentOpened,
      time: iso(incident.openedAt),
      subject,
      entityRef,
      attributes,
    });
    if (resolved === undefined) continue;
    facts.push({
      sourceId: pagerduty
        ? `${subject}/resolved/${hex(`${id}|resolved`)
            .slice(0, 20)
            .toUpperCase()}`
        : `${subject}/resolved/${iso(resolved)}`,
      kind: DevexFactKind.deliveryIncidentResolved,
      time: iso(resolved),
      subject,
      entityRef,
      value: Math.round((resolved - incident.openedAt) / 1000),
      attributes: { ...attributes, resolvedAt: iso(resolved) },
    });
  }
  return facts;
}
