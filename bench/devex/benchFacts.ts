/*
 * The bench data set: an org's users, plugins, templates and capabilities,
 * and one day's facts (activity, golden-path runs with recovered tasks,
 * platform events) from a fixed seed, as the store would hold them.
 */
import { StoredFact } from '../../plugins/devex-backend/src/rollups/contributions';

export interface BenchOrg {
  users: number;
  days: number;
  team(user: number): string;
}

const PLUGINS = [
  'catalog',
  'scaffolder',
  'platform',
  'techdocs',
  'devex',
  'search',
];
export const TEMPLATES = Array.from(
  { length: 5 },
  (_, i) => `template:default/golden-${i}`,
);
const CAPABILITIES = [
  'local:database',
  'local:bucket',
  'local:queue',
  'kubernetes:postgres',
  'kubernetes:redis',
  'kubernetes:kafka',
  'crossplane:s3',
  'crossplane:rds',
];

let seed = 12345;
function rnd() {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
}

/** The facts of one day, as the store would hold them. */
export function factsOfDay(
  org: BenchOrg,
  day: string,
  count: number,
  first: { id: number; task: number },
): StoredFact[] {
  const start = Date.parse(`${day}T00:00:00Z`);
  const facts: StoredFact[] = [];
  let taskToday = -1;
  for (let i = 0; i < count; i++) {
    const id = first.id++;
    const user = Math.floor(rnd() * rnd() * org.users); // some users far more active
    const time = new Date(start + Math.floor(rnd() * 86_399_000)).toISOString();
    const base = {
      id,
      sourceId: `bench:${id}`,
      time,
      day,
      actor: `user:default/u${user}`,
      teams: [org.team(user)],
    };
    const r = rnd();
    if (r < 0.8) {
      const plugin = PLUGINS[Math.floor(rnd() * PLUGINS.length)];
      facts.push({
        ...base,
        source: 'analytics',
        kind: 'activity',
        attributes: { plugin, action: 'navigate', subject: `/${plugin}` },
      });
    } else if (r < 0.88) {
      const s = rnd();
      const status = s < 0.8 ? 'completed' : s < 0.95 ? 'failed' : 'cancelled';
      // One run in 20 is a recovered task: a later status of an earlier
      // task of the same day, which supersedes it.
      const recovered = taskToday >= 0 && rnd() < 0.05;
      const task = recovered ? taskToday : first.task++;
      if (!recovered) taskToday = task;
      facts.push({
        ...base,
        source: 'scaffolder',
        kind: 'golden-path.run',
        templateRef: TEMPLATES[Math.floor(rnd() * TEMPLATES.length)],
        subject: `bench:task/${task}`,
        value: Math.round(30 + rnd() * rnd() * 1200),
        attributes: {
          status,
          ...(status === 'completed' ? { timeSavedSeconds: 7200 } : {}),
          ...(status === 'failed'
            ? {
                failedStep: `step-${Math.floor(rnd() * 4)}`,
                failureMessage: `error ${Math.floor(rnd() * 6)}`,
              }
            : {}),
        },
      });
    } else {
      const k = rnd();
      const kind =
        k < 0.35
          ? 'platform.requested'
          : k < 0.65
          ? 'platform.picked-up'
          : k < 0.93
          ? 'platform.ready'
          : k < 0.995
          ? 'platform.failed'
          : 'platform.rollout.finished';
      const value =
        kind === 'platform.picked-up'
          ? Math.round(rnd() * 30)
          : kind === 'platform.ready'
          ? Math.round(20 + rnd() * 600)
          : undefined;
      facts.push({
        ...base,
        source: 'platform',
        kind,
        capabilityRef: CAPABILITIES[Math.floor(rnd() * CAPABILITIES.length)],
        ...(value !== undefined ? { value } : {}),
        attributes:
          kind === 'platform.failed'
            ? { message: `failure ${Math.floor(rnd() * 5)}` }
            : kind === 'platform.rollout.finished'
            ? { status: rnd() < 0.9 ? 'completed' : 'failed' }
            : {},
      });
    }
  }
  return facts;
}
