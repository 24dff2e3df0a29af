/*
 * Seeds the platform plugin's tables with many resources, fast: batched
 * inserts straight into `platform_resources` and `platform_resource_events`,
 * bypassing the API (creating 100,000 resources through it would take
 * minutes and measure create, not list).
 *
 * Every row has the columns `ResourceStore.insert` writes, in the
 * state the resource would be in after the engine reported on it (phase,
 * observed generation, conditions, outputs, ready time), plus the
 * `requested` event it appends. Two deliberate differences:
 * - `engine_ref` is NULL and nothing is owed to the engine, so neither the
 *   dispatcher nor the periodic resync (which walks every applied resource of
 *   every engine) touches the seeded rows while lists are measured.
 * - the data is synthetic but shaped like a real inventory (see below), with
 *   a fixed random seed so every run seeds the same rows.
 */
import { Knex } from 'knex';

export interface SeedOptions {
  count: number;
  engineId: string;
  /** Capability names of the engine. */
  capabilities: string[];
  /** Owner entity refs; a component's resources all belong to one owner. */
  owners: string[];
  requestedBy: string;
}

export interface SeedResult {
  inserted: number;
  /** Rows that are not deleted (what lists return by default). */
  live: number;
  seconds: number;
}

/** Deterministic PRNG (mulberry32), so that every run seeds the same data. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T extends string>(
  next: () => number,
  weights: Array<[T, number]>,
): () => T {
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  return () => {
    let roll = next() * total;
    for (const [value, weight] of weights) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return weights[weights.length - 1][0];
  };
}

/** The same as the resource store's search text (database/resourceQueries.ts). */
function searchText(r: {
  name: string;
  component?: string | null;
  capabilityRef: string;
  environment: string;
}) {
  return [r.name, r.component ?? '', r.capabilityRef, r.environment]
    .join(' ')
    .toLocaleLowerCase('en-US');
}

/** Components; each belongs to one owner. */
export const SEED_COMPONENTS = 5000;

export const componentRef = (index: number) =>
  `component:default/svc-${String(index).padStart(4, '0')}`;

const BATCH = 500;

/**
 * Shape of the seeded inventory:
 * - capabilities uniform; environments dev 35 %, staging 25 %,
 *   production 25 %, test 10 %, perf 5 %;
 * - 5,000 components, owner = component index mod owners (100 teams: about
 *   1,000 resources per team); 10 % of resources have no component;
 * - phases Ready 85 %, Degraded 3 %, Failed 3 %, Provisioning 2 %,
 *   Pending 2 %, Updating 1 %, Paused 1 %, plus 3 % deleted (phase Deleted,
 *   excluded from lists by default);
 * - created over the past year, five minutes apart.
 */
export async function seedResources(
  db: Knex,
  options: SeedOptions,
): Promise<SeedResult> {
  const started = performance.now();
  const next = random(20261121);
  const environment = weighted(next, [
    ['dev', 35],
    ['staging', 25],
    ['production', 25],
    ['test', 10],
    ['perf', 5],
  ]);
  const phase = weighted(next, [
    ['Ready', 85],
    ['Degraded', 3],
    ['Failed', 3],
    ['Provisioning', 2],
    ['Pending', 2],
    ['Updating', 1],
    ['Paused', 1],
    ['Deleted', 3],
  ]);
  const now = Date.now();
  const spec = JSON.stringify({ size: 'small', replicas: 1 });
  let live = 0;

  await db.transaction(async tx => {
    for (let start = 0; start < options.count; start += BATCH) {
      const resources = [];
      const events = [];
      for (let i = start; i < Math.min(options.count, start + BATCH); i++) {
        const capability =
          options.capabilities[
            Math.floor(next() * options.capabilities.length)
          ];
        const capabilityRef = `${options.engineId}:${capability}`;
        const componentIndex =
          next() < 0.1 ? undefined : Math.floor(next() * SEED_COMPONENTS);
        const component =
          componentIndex === undefined ? null : componentRef(componentIndex);
        const owner =
          options.owners[
            (componentIndex ?? Math.floor(next() * options.owners.length)) %
              options.owners.length
          ];
        const name = `${
          componentIndex === undefined
            ? 'shared'
            : `svc-${String(componentIndex).padStart(4, '0')}`
        }-${capability}-${i.toString(36)}`;
        const env = environment();
        const state = phase();
        const deleted = state === 'Deleted';
        if (!deleted) live++;
        const created = new Date(now - (options.count - i) * 300_000);
        const updated = new Date(
          Math.min(now, created.getTime() + next() * 30 * 86_400_000),
        );
        const observed = state !== 'Pending';
        const ready = state !== 'Pending' && state !== 'Provisioning';
        const id = `00000000-0000-4000-8000-${i
          .toString(16)
          .padStart(12, '0')}`;
        resources.push({
          id,
          capability_ref: capabilityRef,
          engine_id: options.engineId,
          name,
          environment: env,
          owner,
          requested_by: options.requestedBy,
          component_ref: component,
          spec,
          generation: 1,
          observed_generation: observed ? 1 : 0,
          phase: state,
          message:
            state === 'Failed' || state === 'Degraded'
              ? 'Synthetic failure for the benchmark'
              : null,
          conditions: observed
            ? JSON.stringify([
                {
                  type: 'Ready',
                  status: state === 'Ready' ? 'True' : 'False',
                  reason: state,
                },
              ])
            : '[]',
          outputs: ready
            ? JSON.stringify({ host: `${name}.${env}.bench.internal` })
            : '{}',
          desired_version: '1.0.0',
          applied_version: observed ? '1.0.0' : null,
          engine_ref: null,
          created_at: created.toISOString(),
          updated_at: updated.toISOString(),
          ready_at: ready ? created.toISOString() : null,
          deleted_at: deleted ? updated.toISOString() : null,
          dispatch_action: null,
          dispatch_generation: 1,
          dispatch_attempts: 0,
          dispatch_next_at: null,
          dispatch_error: null,
          dispatch_claimed_by: null,
          dispatch_claimed_until: null,
          search_text: searchText({
            name,
            component,
            capabilityRef,
            environment: env,
          }),
        });
        events.push({
          resource_id: id,
          type: 'requested',
          at: created.toISOString(),
          actor: options.requestedBy,
          from_phase: null,
          to_phase: 'Pending',
          reason: null,
          message: null,
          generation: 1,
          data: JSON.stringify({ spec: JSON.parse(spec), version: '1.0.0' }),
        });
      }
      await tx('platform_resources').insert(resources);
      await tx('platform_resource_events').insert(events);
    }
  });

  // PostgreSQL's autovacuum vacuums and analyzes a table within a minute of
  // a bulk insert; do it now so that plans (and index-only scans) match a
  // server that has been running. SQLite has no automatic ANALYZE and
  // Backstage does not run one, so neither do we.
  if (String(db.client.config.client).includes('pg')) {
    await db.raw('VACUUM (ANALYZE) platform_resources');
    await db.raw('VACUUM (ANALYZE) platform_resource_events');
  }
  return {
    inserted: options.count,
    live,
    seconds: (performance.now() - started) / 1000,
  };
}
