import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findWorkspaceRoot } from './config';
import {
  desiredResource,
  makeTempDir,
  removeDir,
  startEngine,
  waitFor,
} from './__testUtils__/harness';
import { LocalEngine } from './engine/LocalEngine';

const exec = promisify(execFile);
const examplesDir = join(
  findWorkspaceRoot(__dirname),
  'examples',
  'capabilities',
);
const postgres = Object.entries(process.env).find(([key]) =>
  /^BACKSTAGE_TEST_DATABASE_POSTGRES\d*_CONNECTION_STRING$/.test(key),
)?.[1];

jest.setTimeout(30_000);

/** The example capabilities in examples/capabilities, run for real. */
describe('example capabilities', () => {
  let stateDir: string;
  let engine: LocalEngine;
  let started: Awaited<ReturnType<typeof startEngine>>;

  const start = async (secrets?: Record<string, Record<string, string>>) => {
    started = await startEngine(
      { capabilitiesDir: examplesDir, stateDir },
      { secrets },
    );
    engine = started.engine;
  };
  const deleted = (resourceId: string) =>
    waitFor(`${resourceId} to be deleted`, () =>
      started.changes.some(
        c => c.type === 'deleted' && c.resource.resourceId === resourceId,
      ),
    );

  beforeEach(async () => {
    stateDir = await makeTempDir('examples-');
  });

  afterEach(async () => {
    await engine?.stop();
    await removeDir(stateDir);
  });

  it('are all valid', async () => {
    await start();
    const capabilities = await engine.listCapabilities();
    expect(
      capabilities.map(c => [c.name, c.versions, c.available]).sort(),
    ).toEqual([
      ['bucket', ['v1.0.0'], true],
      ['database', ['v1.0.0'], true],
      ['git-repository', ['v1.0.0', 'v1.1.0'], true],
    ]);
  });

  it('git-repository creates a repository with a starter commit, upgrades it and deletes it', async () => {
    await start();
    const desired = desiredResource({
      capability: 'git-repository',
      name: 'orders-service',
      version: 'v1.0.0',
      spec: { description: 'Takes orders', template: 'node-service' },
    });
    await engine.apply(desired);
    const ready = await started.waitForPhase(desired.resourceId, 'Ready');
    expect(ready.outputs).toMatchObject({
      defaultBranch: 'main',
      branchProtection: false,
    });

    const clone = await mkdtemp(join(stateDir, 'clone-'));
    await exec('git', [
      'clone',
      '--quiet',
      String(ready.outputs.cloneUrl),
      clone,
    ]);
    await expect(readFile(join(clone, 'README.md'), 'utf8')).resolves.toBe(
      '# orders-service\n\nTakes orders\n',
    );
    expect(existsSync(join(clone, 'package.json'))).toBe(true);

    await engine.upgrade(desired, 'v1.1.0');
    await waitFor('the upgrade', async () => {
      const state = await engine.observe(desired);
      return state?.appliedVersion === 'v1.1.0' && state.phase === 'Ready';
    });
    const repository = fileURLToPath(String(ready.outputs.cloneUrl));
    const { stdout } = await exec('git', [
      '--git-dir',
      repository,
      'config',
      'receive.denyNonFastForwards',
    ]);
    expect(stdout.trim()).toBe('true');

    await engine.delete(desired);
    await deleted(desired.resourceId);
    expect(existsSync(repository)).toBe(false);
  });

  it('database falls back to an SQLite file and enforces the storage quota', async () => {
    await start();
    const desired = desiredResource({
      capability: 'database',
      name: 'orders-db',
      spec: { size: 'small', storageGb: 10 },
    });
    await engine.apply(desired);
    const ready = await started.waitForPhase(desired.resourceId, 'Ready');
    expect(ready.outputs).toMatchObject({ engine: 'sqlite', storageGb: 10 });
    expect(existsSync(String(ready.outputs.path))).toBe(true);

    const tooBig = desiredResource({
      capability: 'database',
      name: 'huge-db',
      spec: { storageGb: 50 },
    });
    await engine.apply(tooBig);
    const failed = await started.waitForPhase(tooBig.resourceId, 'Failed');
    expect(failed.message).toBe(
      'Quota exceeded: 50 GiB of storage requested, the quota is 20 GiB. Request at most 20 GiB or ask the platform team to raise the quota.',
    );
    // Over the quota is final: the engine does not retry it.
    expect(failed.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Reconciled',
        message:
          'Failing; not retried: the step reported that retrying cannot help',
      }),
    );
    const logs = await engine.getLogs(tooBig);
    expect(logs.map(l => `${l.step} ${l.status}`)).toEqual([
      'check-quota Failed',
    ]);

    await engine.delete(desired);
    await deleted(desired.resourceId);
    expect(existsSync(String(ready.outputs.path))).toBe(false);
  });

  (postgres ? describe : describe.skip)('on PostgreSQL', () => {
    it('database creates a real database and role', async () => {
      await start({ postgres: { connectionString: postgres! } });
      const desired = desiredResource({
        capability: 'database',
        name: `pg-${process.pid}`,
        spec: { size: 'medium' },
      });
      await engine.apply(desired);
      const ready = await started.waitForPhase(desired.resourceId, 'Ready');
      expect(ready.outputs).toMatchObject({
        engine: 'postgresql',
        database: `dev__pg_${process.pid}`,
        username: `dev__pg_${process.pid}`,
        connectionLimit: 20,
      });
      expect(JSON.stringify(ready)).not.toContain(
        (await readFile(String(ready.outputs.passwordFile), 'utf8')).trim(),
      );

      // The role can log in to its database with the password from the file.
      const connect = `
        import pg from 'pg';
        import { readFileSync } from 'node:fs';
        const [url, passwordFile] = process.argv.slice(1);
        const u = new URL(url);
        u.password = readFileSync(passwordFile, 'utf8').trim();
        const client = new pg.Client({ connectionString: u.href });
        await client.connect();
        const { rows } = await client.query('SELECT current_database() AS db');
        console.log(rows[0].db);
        await client.end();`;
      const { stdout } = await exec(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          connect,
          String(ready.outputs.url),
          String(ready.outputs.passwordFile),
        ],
        { cwd: examplesDir },
      );
      expect(stdout.trim()).toBe(`dev__pg_${process.pid}`);

      await engine.delete(desired);
      await deleted(desired.resourceId);
    });
  });

  it('bucket refuses to delete a bucket with objects until it is emptied', async () => {
    await start();
    const desired = desiredResource({
      capability: 'bucket',
      name: 'artifacts',
    });
    await engine.apply(desired);
    const ready = await started.waitForPhase(desired.resourceId, 'Ready');
    const object = join(String(ready.outputs.path), 'build.tar');
    await writeFile(object, 'bytes');

    await engine.delete(desired);
    const failed = await started.waitForPhase(desired.resourceId, 'Failed');
    expect(failed.message).toBe(
      'Bucket artifacts still holds 1 object(s); empty it or set forceDestroy: true, then delete again',
    );

    await removeDir(object);
    await engine.delete(desired);
    await deleted(desired.resourceId);
    expect(existsSync(String(ready.outputs.path))).toBe(false);
  });

  it('bucket replicates its objects into another bucket when asked to', async () => {
    await start();
    const target = desiredResource({ capability: 'bucket', name: 'backups' });
    await engine.apply(target);
    const targetReady = await started.waitForPhase(target.resourceId, 'Ready');
    const source = desiredResource({ capability: 'bucket', name: 'reports' });
    await engine.apply(source);
    const sourceReady = await started.waitForPhase(source.resourceId, 'Ready');
    expect(sourceReady.outputs).not.toHaveProperty('replicatedTo');
    await writeFile(join(String(sourceReady.outputs.path), 'q1.csv'), 'a,b');

    await engine.apply({
      ...source,
      generation: 2,
      spec: {
        replication: { destination: { bucket: 'backups', prefix: 'reports' } },
      },
    });
    await waitFor('the replication', async () => {
      const state = await engine.observe(source);
      return state?.observedGeneration === 2 && state.phase === 'Ready'
        ? state
        : undefined;
    });

    await expect(
      readFile(
        join(String(targetReady.outputs.path), 'reports', 'q1.csv'),
        'utf8',
      ),
    ).resolves.toBe('a,b');
    expect((await engine.observe(source))?.outputs).toMatchObject({
      replicatedTo: 'backups',
      replicatedObjects: 1,
    });
  });

  it('bucket refuses to replicate into a bucket that does not exist', async () => {
    await start();
    const desired = desiredResource({
      capability: 'bucket',
      name: 'orphan',
      spec: { replication: { destination: { bucket: 'nowhere' } } },
    });
    await engine.apply(desired);

    const failed = await started.waitForPhase(desired.resourceId, 'Failed');
    expect(failed.message).toBe(
      'Replication destination bucket nowhere does not exist in dev; create it first',
    );
  });
});
