import { mockServices } from '@backstage/backend-test-utils';
import { DevexFact } from '@trellis/backstage-plugin-devex-common';
import { ADOPTING_TEAM, ADOPTION_DAY } from './DemoDelivery';
import { DEMO_DAYS, DemoHistory } from './DemoHistory';

const DAY = 86_400_000;

/** The example org (examples/org.yaml), as the directory lists it. */
const ORG: Record<string, string[]> = {
  'platform-team': [
    'ada',
    'lin-chen',
    'marcus-oyelaran',
    'sofia-lindqvist',
    'ravi-menon',
  ],
  'team-payments': [
    'grace',
    'tomasz-nowak',
    'amara-okafor',
    'jonas-weber',
    'mei-tanaka',
    'diego-alvarez',
  ],
  'team-storefront': [
    'guest',
    'priya-raman',
    'liam-oconnor',
    'hana-kim',
    'noah-fischer',
    'zoe-martin',
    'elif-demir',
  ],
  'team-search': ['arjun-patel', 'clara-rossi', 'kofi-mensah', 'ingrid-berg'],
  'team-data': [
    'yusuf-kaya',
    'julia-santos',
    'oliver-brown',
    'aiko-suzuki',
    'samuel-adeyemi',
  ],
};
const users = Object.entries(ORG)
  .flatMap(([team, members]) =>
    members.map(m => ({
      ref: `user:default/${m}`,
      teams: [`group:default/${team}`],
    })),
  )
  .sort((a, b) => a.ref.localeCompare(b.ref));

const now = new Date('2026-12-03T13:30:00Z');
const storyStart = '2026-09-05';
const periodStart = Date.parse(storyStart);

function demo() {
  const sink = {
    write: async () => ({ accepted: 0, duplicates: 0, rejected: [] }),
  };
  return new DemoHistory(
    { analytics: sink, scaffolder: sink, platform: sink, delivery: sink },
    mockServices.logger.mock(),
  );
}

const ofKind = (facts: DevexFact[], kind: string, component?: string) =>
  facts.filter(
    f =>
      f.kind === kind &&
      (!component || f.entityRef === `component:default/${component}`),
  );
const production = (facts: DevexFact[], component?: string) =>
  ofKind(facts, 'delivery.deployment', component).filter(
    f => f.attributes!.production,
  );
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
/** First commit to the first successful production deployment after the merge. */
function leadTimes(
  facts: DevexFact[],
  component: string,
  from: number,
  to: number,
) {
  const deployed = production(facts, component)
    .filter(d => d.attributes!.status === 'success')
    .map(d => Date.parse(d.attributes!.createdAt as string))
    .sort((a, b) => a - b);
  return ofKind(facts, 'delivery.change.merged', component)
    .filter(c => Date.parse(c.time) >= from && Date.parse(c.time) < to)
    .flatMap(c => {
      const at = deployed.find(t => t >= Date.parse(c.time));
      return at === undefined
        ? []
        : [(at - Date.parse(c.attributes!.firstCommitAt as string)) / 3600_000];
    });
}

describe('DemoHistory delivery', () => {
  const { delivery, runs } = demo().facts(users, now, storyStart);

  it('is the same history every time for the same day', () => {
    expect(demo().facts(users, now, storyStart).delivery).toEqual(delivery);
    expect(delivery.length).toBeGreaterThan(1000);
  });

  it('keeps the facts of a day when it runs again on a later day', () => {
    const later = demo().facts(
      users,
      new Date(now.getTime() + 3 * DAY),
      storyStart,
    ).delivery;
    const before = new Map(delivery.map(f => [f.sourceId, f]));
    const overlap = later.filter(f => Date.parse(f.time) <= now.getTime());
    expect(overlap.length).toBeGreaterThan(1000);
    for (const fact of overlap) {
      if (Date.parse(fact.time) < periodStart + 3 * DAY) continue;
      expect(before.get(fact.sourceId)).toEqual(fact);
    }
  });

  it('deploys to production only shas of merged changes of the same repo', () => {
    const merged = new Set(
      ofKind(delivery, 'delivery.change.merged').map(
        c => `${c.attributes!.repo}@${c.attributes!.mergeSha}`,
      ),
    );
    const deployments = production(delivery);
    expect(deployments.length).toBeGreaterThan(300);
    for (const d of deployments) {
      expect(merged).toContain(`${d.attributes!.repo}@${d.attributes!.sha}`);
    }
    expect(
      ofKind(delivery, 'delivery.deployment').filter(
        d => d.attributes!.environment === 'staging',
      ).length,
    ).toBeGreaterThan(300);
  });

  it('stays inside the period and before now', () => {
    const times = (facts: DevexFact[]) => facts.map(f => Date.parse(f.time));
    expect(Math.max(...times(delivery))).toBeLessThanOrEqual(now.getTime());
    expect(
      Math.min(...times(ofKind(delivery, 'delivery.deployment'))),
    ).toBeGreaterThanOrEqual(periodStart);
    // Changes merged just before the period that its first releases carry.
    expect(Math.min(...times(delivery))).toBeGreaterThan(
      periodStart - 10 * DAY,
    );
  });

  it('gives the teams different delivery', () => {
    const perWeek = (c: string) =>
      production(delivery, c).filter(d => d.attributes!.status === 'success')
        .length /
      (DEMO_DAYS / 7);
    // team-storefront ships every merge, team-payments once a week.
    expect(perWeek('storefront-web')).toBeGreaterThan(10);
    expect(perWeek('checkout-service')).toBeLessThan(2);
    expect(
      median(leadTimes(delivery, 'storefront-web', 0, Infinity)),
    ).toBeLessThan(24);
    expect(
      median(leadTimes(delivery, 'checkout-service', 0, Infinity)),
    ).toBeGreaterThan(7 * 24);
    // team-search delivers faster after it adopted the golden paths.
    const adoption = periodStart + ADOPTION_DAY * DAY;
    const before = median(leadTimes(delivery, 'search-api', 0, adoption));
    const after = median(leadTimes(delivery, 'search-api', adoption, Infinity));
    expect(after).toBeLessThan(before / 2);
    expect(production(delivery, 'search-api').length).toBeGreaterThan(20);
  });

  it('resolves incidents with a hotfix deployed while they were open', () => {
    const opened = ofKind(delivery, 'delivery.incident.opened');
    const resolved = ofKind(delivery, 'delivery.incident.resolved');
    expect(opened.length).toBeGreaterThan(10);
    expect(new Set(opened.map(i => i.entityRef)).size).toBeGreaterThan(4);
    expect(new Set(opened.map(i => i.attributes!.provider))).toEqual(
      new Set(['pagerduty', 'github']),
    );
    for (const incident of resolved) {
      const from = Date.parse(incident.attributes!.openedAt as string);
      const to = Date.parse(incident.time);
      expect(incident.value).toBe(Math.round((to - from) / 1000));
      const fixes = production(
        delivery,
        incident.entityRef!.split('/')[1],
      ).filter(
        d =>
          d.attributes!.status === 'success' &&
          Date.parse(d.attributes!.createdAt as string) > from &&
          Date.parse(d.time) < to,
      );
      expect(fixes.length).toBeGreaterThan(0);
    }
  });

  it('creates two components from golden paths and team-search adopts them late', () => {
    const created = runs
      .filter(r => r.sourceId.startsWith('scaffolder:task/demo-create-'))
      .map(r => r.entityRef)
      .sort();
    expect(created).toEqual([
      'component:default/ledger-service',
      'component:default/recommendations-service',
    ]);
    const search = new Set(
      users.filter(u => u.teams.includes(ADOPTING_TEAM)).map(u => u.ref),
    );
    const firstRun = runs
      .filter(r => search.has(r.actor!))
      .map(r => Date.parse(r.time))
      .sort((a, b) => a - b)[0];
    expect(firstRun).toBeGreaterThanOrEqual(periodStart + ADOPTION_DAY * DAY);
    expect(
      ofKind(delivery, 'delivery.change.merged', 'recommendations-service')
        .map(c => Date.parse(c.time))
        .every(t => t > periodStart + ADOPTION_DAY * DAY),
    ).toBe(true);
  });

  it('has new hires merge their first change some days after they start', () => {
    const { activity } = demo().facts(users, now, storyStart);
    const first = (facts: DevexFact[], actor: string) =>
      Math.min(
        ...facts.filter(f => f.actor === actor).map(f => Date.parse(f.time)),
      );
    const merged = ofKind(delivery, 'delivery.change.merged');
    // The later half of each team to join (no start date in examples/org.yaml).
    for (const name of ['zoe-martin', 'tomasz-nowak', 'kofi-mensah']) {
      const ref = `user:default/${name}`;
      const days = (first(merged, ref) - first(activity, ref)) / DAY;
      expect(days).toBeGreaterThan(0);
      expect(days).toBeLessThan(30);
    }
    // team-storefront's new hires get there sooner than team-payments'.
    const ramp = (name: string) =>
      first(merged, `user:default/${name}`) -
      first(activity, `user:default/${name}`);
    expect(ramp('zoe-martin')).toBeLessThan(ramp('tomasz-nowak'));
    // Someone who was there before the period merges from its first days.
    expect(first(merged, 'user:default/grace')).toBeLessThan(
      periodStart + 10 * DAY,
    );
  });

  it('keeps the story start across runs', async () => {
    const cursors = new Map<string, string>();
    const store = {
      get: async (key: string) => cursors.get(key),
      set: async (key: string, value: string) => {
        cursors.set(key, value);
      },
    };
    const sink = {
      write: async (facts: unknown[]) => ({
        accepted: facts.length,
        duplicates: 0,
        rejected: [],
      }),
    };
    const history = new DemoHistory(
      { analytics: sink, scaffolder: sink, platform: sink, delivery: sink },
      mockServices.logger.mock(),
      store,
    );
    await history.fill(users, now);
    expect(cursors.get('story-start')).toBe(storyStart);
    await history.fill(users, new Date(now.getTime() + 20 * DAY));
    expect(cursors.get('story-start')).toBe(storyStart);
  });
});
