// Drops what configure created, where it created it.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { capabilityDataDir, fail, readObject } from '../lib/kratix.mjs';
import { files } from './common.mjs';

const { metadata } = readObject();
const paths = files(capabilityDataDir(), metadata.namespace, metadata.name);
const state = existsSync(paths.state)
  ? JSON.parse(readFileSync(paths.state, 'utf8'))
  : undefined;

if (state?.engine === 'postgresql') {
  const adminUrl = process.env.POSTGRES_ADMIN_URL;
  if (!adminUrl) {
    fail(
      `Database ${state.name} is on PostgreSQL, but no PostgreSQL server is configured any more`,
    );
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const name = client.escapeIdentifier(state.name);
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`DROP ROLE IF EXISTS ${name}`);
    console.log(`Dropped database and role ${state.name}`);
  } finally {
    await client.end();
  }
}
for (const file of [paths.sqlite, paths.password, paths.state]) {
  rmSync(file, { force: true });
}
console.log(`Deleted ${metadata.namespace}/${metadata.name}`);
