// Creates a real database: a database and a role on the PostgreSQL server
// in POSTGRES_ADMIN_URL when one is configured, otherwise an SQLite file.
// The password is written to a file only its owner can read; the outputs
// say where it is, never what it is.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  capabilityDataDir,
  readObject,
  writeOutput,
  writeStatus,
} from '../lib/kratix.mjs';
import { files, identifier } from './common.mjs';

const CONNECTION_LIMITS = { small: 5, medium: 20, large: 50 };

const { metadata, spec } = readObject();
const size = spec.size ?? 'small';
const paths = files(capabilityDataDir(), metadata.namespace, metadata.name);
mkdirSync(dirname(paths.state), { recursive: true, mode: 0o700 });

async function createPostgres(adminUrl) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const name = identifier(metadata.namespace, metadata.name);
    const role = client.escapeIdentifier(name);
    const limit = CONNECTION_LIMITS[size] ?? CONNECTION_LIMITS.small;
    const password = existsSync(paths.password)
      ? readFileSync(paths.password, 'utf8').trim()
      : randomBytes(24).toString('base64url');
    writeFileSync(paths.password, `${password}\n`, { mode: 0o600 });

    const roles = await client.query(
      'SELECT 1 FROM pg_roles WHERE rolname = $1',
      [name],
    );
    const verb = roles.rowCount === 0 ? 'CREATE' : 'ALTER';
    await client.query(
      `${verb} ROLE ${role} LOGIN PASSWORD ${client.escapeLiteral(
        password,
      )} CONNECTION LIMIT ${limit}`,
    );
    const databases = await client.query(
      'SELECT 1 FROM pg_database WHERE datname = $1',
      [name],
    );
    if (databases.rowCount === 0) {
      await client.query(`CREATE DATABASE ${role} OWNER ${role}`);
      console.log(`Created database and role ${name}`);
    } else {
      console.log(`Database ${name} exists; updated its role`);
    }
    const { host, port } = client;
    writeFileSync(paths.state, JSON.stringify({ engine: 'postgresql', name }));
    return {
      engine: 'postgresql',
      host,
      port,
      database: name,
      username: name,
      passwordFile: paths.password,
      url: `postgresql://${name}@${host}:${port}/${name}`,
      connectionLimit: limit,
    };
  } finally {
    await client.end();
  }
}

async function createSqlite() {
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(paths.sqlite);
  try {
    db.exec(
      'CREATE TABLE IF NOT EXISTS trellis_metadata (key TEXT PRIMARY KEY, value TEXT)',
    );
    const upsert = db.prepare(
      'INSERT INTO trellis_metadata (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    upsert.run('size', size);
    upsert.run('storageGb', String(spec.storageGb ?? 5));
  } finally {
    db.close();
  }
  console.log(
    `SQLite database at ${paths.sqlite} (no PostgreSQL server is configured)`,
  );
  writeFileSync(paths.state, JSON.stringify({ engine: 'sqlite' }));
  return {
    engine: 'sqlite',
    path: paths.sqlite,
    url: pathToFileURL(paths.sqlite).href,
  };
}

const adminUrl = process.env.POSTGRES_ADMIN_URL;
const outputs = adminUrl
  ? await createPostgres(adminUrl)
  : await createSqlite();

writeOutput('database.yaml', {
  apiVersion: 'platform.trellis.dev/v1alpha1',
  kind: 'Database',
  metadata: { name: metadata.name, namespace: metadata.namespace },
  spec: { size, storageGb: spec.storageGb ?? 5, engine: outputs.engine },
});
writeStatus({
  message: `Database ready (${outputs.engine}): ${outputs.url}`,
  ...outputs,
});
