/*
 * Brings a kept dashboard data set (dashboard.ts) to the current schema: the
 * devex migrations that are not applied yet run, with their backfills, and
 * the time each took is printed. Run it before dashboard.ts when a data set
 * was loaded by an older revision, so that the bench backend does not spend
 * its start-up time on a backfill.
 *
 *   BENCH_DATABASE=sqlite|postgres BENCH_FACTS=10000000 node --require ./node_modules/@backstage/cli/config/nodeTransform.cjs bench/devex/migrate.ts
 */
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import {
  MIGRATIONS_DIR,
  MIGRATIONS_TABLE,
} from '../../plugins/devex-backend/src/database/migrate';
import { benchDatabase, postgresUrl } from './backend';

async function main() {
  const database = benchDatabase();
  const facts = Number(process.env.BENCH_FACTS ?? 10_000_000);
  const db =
    database === 'postgres'
      ? knexFactory({
          client: 'pg',
          connection: `${postgresUrl()}/devexbench_${facts}_devex`,
        })
      : knexFactory({
          client: 'better-sqlite3',
          connection: {
            filename: path.join(
              process.env.BENCH_DATA_DIR ??
                path.join(os.tmpdir(), `devexbench-${facts}`),
              'devex.sqlite',
            ),
          },
          useNullAsDefault: true,
        });
  try {
    const config = { directory: MIGRATIONS_DIR, tableName: MIGRATIONS_TABLE };
    for (;;) {
      const [, pending] = (await db.migrate.list(config)) as [
        unknown,
        { file: string }[],
      ];
      if (pending.length === 0) break;
      const started = Date.now();
      await db.migrate.up(config);
      console.log(
        `[${database}] ${pending[0].file} in ${(
          (Date.now() - started) /
          1000
        ).toFixed(0)} s (load average ${os.loadavg()[0].toFixed(1)})`,
      );
    }
    console.log(`[${database}] schema is current`);
  } finally {
    await db.destroy();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
