import { LoggerService } from '@backstage/backend-plugin-api';
import {
  DevexFact,
  DevexFactKind,
} from '@trellis/backstage-plugin-devex-common';
import {
  DevexCursorStore,
  DevexFactSink,
} from '@trellis/backstage-plugin-devex-node';
import {
  ADOPTING_TEAM,
  ADOPTION_DAY,
  deliveryFacts,
  DemoUser,
} from './DemoDelivery';
import { joinDay, pick, random } from './seeded';

/** The example org's golden paths (examples/templates) and their time saved. */
const TEMPLATES = [
  {
    ref: 'template:default/node-service-with-database',
    timeSaved: 4 * 3600,
    weight: 0.6,
  },
  { ref: 'template:default/add-database', timeSaved: 2 * 3600, weight: 0.4 },
];
/** The example capabilities (examples/capabilities), local engine. */
const CAPABILITIES = ['local:database', 'local:bucket', 'local:git-repository'];
const PLUGINS = [
  {
    plugin: 'catalog',
    weight: 0.35,
    paths: ['/catalog', '/catalog/default/component/orders'],
  },
  { plugin: 'scaffolder', weight: 0.15, paths: ['/create', '/create/tasks'] },
  {
    plugin: 'platform',
    weight: 0.2,
    paths: ['/platform', '/platform/resources'],
  },
  {
    plugin: 'techdocs',
    weight: 0.15,
    paths: ['/docs', '/docs/default/component/orders'],
  },
  { plugin: 'devex', weight: 0.1, paths: ['/devex', '/devex/golden-paths'] },
  { plugin: 'search', weight: 0.05, paths: ['/search'] },
];
const FAILED_STEPS = [
  {
    step: 'request-database',
    message: 'capability local:database: quota of 5 instances per team reached',
  },
  { step: 'publish', message: 'Repository already exists' },
  {
    step: 'register',
    message: 'Entity name conflicts with an existing component',
  },
];
const PLATFORM_FAILURES = [
  'Provisioning timed out after 600s',
  'Invalid spec: storageGb must be at most 100',
];

export const DEMO_DAYS = 90;
const STORY_START = 'story-start';

export interface DemoSinks {
  analytics: DevexFactSink;
  scaffolder: DevexFactSink;
  platform: DevexFactSink;
  delivery: DevexFactSink;
}

/**
 * A realistic 90-day history for the users of the catalog (the example org):
 * portal activity, golden-path runs with their outcomes, platform requests
 * with time to Ready and failures, rollouts, and the delivery of the example
 * components (DemoDelivery). Everything is derived from
 * (day, user) seeds, so each run re-delivers the same facts with the same
 * source ids (stored once) and only adds the days that passed since. Written
 * through the same sinks real sources use.
 */
export class DemoHistory {
  constructor(
    private readonly sinks: DemoSinks,
    private readonly logger: LoggerService,
    /** Keeps the story's first day, so later runs continue the same story. */
    private readonly cursors?: DevexCursorStore,
  ) {}

  facts(
    users: DemoUser[],
    now: Date,
    /** The first day of the period when the demo first ran (YYYY-MM-DD). */
    storyStart?: string,
  ): {
    activity: DevexFact[];
    runs: DevexFact[];
    platform: DevexFact[];
    delivery: DevexFact[];
  } {
    const activity: DevexFact[] = [];
    const runs: DevexFact[] = [];
    const platform: DevexFact[] = [];
    const today = Date.UTC(
      now.getUTCFullYear(),
      now.getUTCMonth(),
      now.getUTCDate(),
    );
    const periodStart = today - (DEMO_DAYS - 1) * 86_400_000;
    const story = Math.min(
      storyStart ? Date.parse(storyStart) : periodStart,
      periodStart,
    );
    for (let d = DEMO_DAYS - 1; d >= 0; d--) {
      const dayStart = today - d * 86_400_000;
      const date = new Date(dayStart).toISOString().slice(0, 10);
      const weekday = new Date(dayStart).getUTCDay();
      const weekend = weekday === 0 || weekday === 6;
      // Adoption grows over the 90 days: from ~35 % to ~80 % of users a day.
      const growth = 0.35 + 0.45 * ((DEMO_DAYS - d) / DEMO_DAYS);
      users.forEach((user, u) => {
        const rnd = random(`${date}|${user.ref}`);
        // Users join over time: the later ones start later.
        const day = Math.round((dayStart - story) / 86_400_000);
        if (day < joinDay(u, users.length)) return;
        if (rnd() > (weekend ? growth * 0.15 : growth)) return;
        const at = (minute: number) => {
          const t = dayStart + (8 * 60 + minute) * 60_000;
          return t > now.getTime() ? undefined : new Date(t).toISOString();
        };
        const events = 2 + Math.floor(rnd() * 12);
        for (let e = 0; e < events; e++) {
          const p = pick(PLUGINS, rnd());
          const time = at(Math.floor(rnd() * 600));
          if (!time) continue;
          const path = p.paths[Math.floor(rnd() * p.paths.length)];
          activity.push({
            sourceId: `analytics:${user.ref}:demo-${date}-${e}`,
            kind: DevexFactKind.activity,
            time,
            actor: user.ref,
            attributes: {
              plugin: p.plugin,
              action: 'navigate',
              subject: path,
              path,
            },
          });
        }
        // team-search takes up the golden paths mid-period (before/after).
        const adopted =
          day >= ADOPTION_DAY || !user.teams?.includes(ADOPTING_TEAM);
        if (rnd() < (weekend ? 0.05 : 0.3) && adopted) {
          this.run(user.ref, date, rnd, at, now.getTime(), runs, platform);
        }
      });
      // A fleet rollout every other week, mostly successful.
      if (weekday === 3 && Math.floor(d / 7) % 2 === 0) {
        const rnd = random(`${date}|rollout`);
        const time = new Date(dayStart + 15 * 3600_000).toISOString();
        if (new Date(time) <= now) {
          platform.push({
            sourceId: `platform:rollout/demo-${date}/finished`,
            kind: DevexFactKind.platformRolloutFinished,
            time,
            capabilityRef: CAPABILITIES[Math.floor(rnd() * 2)],
            attributes: {
              rolloutId: `demo-${date}`,
              status: rnd() < 0.85 ? 'completed' : 'failed',
              targetVersion: `1.${Math.floor((DEMO_DAYS - d) / 14)}.0`,
            },
          });
        }
      }
    }
    const { delivery, creations } = deliveryFacts(users, {
      storyStart: story,
      periodStart,
      now,
    });
    runs.push(...creations);
    return { activity, runs, platform, delivery };
  }

  private run(
    actor: string,
    date: string,
    rnd: () => number,
    at: (minute: number) => string | undefined,
    now: number,
    runs: DevexFact[],
    platform: DevexFact[],
  ) {
    const template = pick(TEMPLATES, rnd());
    const taskId = `demo-${date}-${actor.replace(/[^a-z0-9]/g, '-')}`;
    const minute = Math.floor(rnd() * 540);
    const started = at(minute);
    if (!started) return;
    const outcome = rnd();
    let status = 'cancelled';
    if (outcome < 0.8) status = 'completed';
    else if (outcome < 0.95) status = 'failed';
    const duration = Math.round(60 + rnd() * 240 + (rnd() < 0.1 ? 600 : 0));
    const finished = new Date(
      Date.parse(started) + duration * 1000,
    ).toISOString();
    if (Date.parse(finished) > now) return;
    const failure = FAILED_STEPS[Math.floor(rnd() * FAILED_STEPS.length)];
    runs.push({
      sourceId: `scaffolder:task/${taskId}/${status}`,
      kind: DevexFactKind.goldenPathRun,
      time: finished,
      actor,
      templateRef: template.ref,
      ...(status === 'completed'
        ? { entityRef: `component:default/${taskId}` }
        : {}),
      subject: `scaffolder:task/${taskId}`,
      value: duration,
      attributes: {
        taskId,
        status,
        goldenPath: true,
        ...(status === 'completed'
          ? { timeSavedSeconds: template.timeSaved }
          : {}),
        ...(status === 'failed'
          ? { failedStep: failure.step, failureMessage: failure.message }
          : {}),
      },
    });
    if (status !== 'completed') return;
    const component = `component:default/${taskId}`;
    const capabilities =
      template.ref === TEMPLATES[0].ref
        ? ['local:git-repository', 'local:database']
        : [rnd() < 0.8 ? 'local:database' : 'local:bucket'];
    capabilities.forEach((capabilityRef, i) => {
      const resourceId = `${taskId}-${i}`;
      const requestedAt = Date.parse(started) + 30_000 + i * 5000;
      const wait = 1 + Math.round(rnd() * 20);
      const toReady =
        wait +
        20 +
        Math.round(rnd() * (capabilityRef === 'local:database' ? 240 : 60));
      const failed = rnd() < 0.07;
      const base = {
        actor,
        entityRef: component,
        capabilityRef,
      };
      const iso = (t: number) => new Date(t).toISOString();
      if (requestedAt + toReady * 1000 > now) return;
      platform.push(
        {
          ...base,
          sourceId: `platform:resource/${resourceId}/requested`,
          kind: DevexFactKind.platformRequested,
          time: iso(requestedAt),
          attributes: { resourceId, environment: 'dev', engine: 'local' },
        },
        {
          ...base,
          sourceId: `platform:resource/${resourceId}/picked-up`,
          kind: DevexFactKind.platformPickedUp,
          time: iso(requestedAt + wait * 1000),
          value: wait,
          attributes: { resourceId },
        },
        failed
          ? {
              ...base,
              sourceId: `platform:resource/${resourceId}/failed`,
              kind: DevexFactKind.platformFailed,
              time: iso(requestedAt + toReady * 1000),
              attributes: {
                resourceId,
                message:
                  PLATFORM_FAILURES[
                    Math.floor(rnd() * PLATFORM_FAILURES.length)
                  ],
                phaseBefore: 'Provisioning',
              },
            }
          : {
              ...base,
              sourceId: `platform:resource/${resourceId}/ready`,
              kind: DevexFactKind.platformReady,
              time: iso(requestedAt + toReady * 1000),
              value: toReady,
              attributes: { resourceId },
            },
      );
    });
  }

  /** Writes the history for `users` (catalog users with their teams). */
  async fill(users: DemoUser[], now = new Date()): Promise<number> {
    if (users.length === 0) return 0;
    let storyStart = await this.cursors?.get(STORY_START);
    if (!storyStart) {
      storyStart = new Date(now.getTime() - (DEMO_DAYS - 1) * 86_400_000)
        .toISOString()
        .slice(0, 10);
      await this.cursors?.set(STORY_START, storyStart);
    }
    const { activity, runs, platform, delivery } = this.facts(
      users,
      now,
      storyStart,
    );
    let accepted = 0;
    const write = async (sink: DevexFactSink, facts: DevexFact[]) => {
      for (let i = 0; i < facts.length; i += 500) {
        const result = await sink.write(facts.slice(i, i + 500));
        accepted += result.accepted;
        if (result.rejected.length) {
          this.logger.warn(
            `DevEx demo: ${result.rejected.length} facts refused: ${result.rejected[0].message}`,
          );
        }
      }
    };
    await write(this.sinks.analytics, activity);
    await write(this.sinks.scaffolder, runs);
    await write(this.sinks.platform, platform);
    await write(this.sinks.delivery, delivery);
    this.logger.info(
      `DevEx demo history: ${
        activity.length + runs.length + platform.length + delivery.length
      } facts for ${
        users.length
      } users over ${DEMO_DAYS} days, ${accepted} new`,
    );
    return accepted;
  }
}
