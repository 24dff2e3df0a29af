/*
 * The simulated delivery history of one demo component: merges per day,
 * scheduled or pipeline releases, failed deployments retried, incidents and
 * their hotfixes, staging deployments.
 */
import { createHash } from 'crypto';
import { Authors } from './demoAuthors';
import { DemoComponent } from './demoComponents';
import { random } from './seeded';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const MINUTE = 60_000;
/** Days simulated before the period, so its first releases have a past. */
const LEAD_IN_DAYS = 21;

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

export const hex = (seed: string) =>
  createHash('sha1').update(seed).digest('hex');

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

interface Deployment {
  id: number;
  environment: 'production' | 'staging';
  createdAt: number;
  finishedAt: number;
  sha: string;
  status: 'success' | 'failure';
}

export interface History {
  changes: Change[];
  deployments: Deployment[];
  incidents: Incident[];
}

export function simulate(
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
