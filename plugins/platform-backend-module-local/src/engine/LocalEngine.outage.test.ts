import { ServiceUnavailableError } from '@backstage/errors';
import { rename, rm, writeFile } from 'node:fs/promises';
import {
  desiredResource,
  makeTempDir,
  removeDir,
  startEngine,
  stepRuns,
  waitFor,
  writeCapability,
} from '../__testUtils__/harness';
import { LocalEngine } from './LocalEngine';

jest.setTimeout(30_000);

/**
 * The engine's state folder stops being writable: it is replaced by a file
 * (root ignores permissions, so `chmod` would not do), and later restored.
 */
async function stateFolderOutage(stateDir: string) {
  const away = `${stateDir}.away`;
  await rename(stateDir, away);
  await writeFile(stateDir, 'not a folder');
  return async () => {
    await rm(stateDir, { force: true });
    await rename(away, stateDir);
  };
}

describe('LocalEngine when its state folder cannot be written', () => {
  let capabilitiesDir: string;
  let stateDir: string;
  const engines: LocalEngine[] = [];

  const start = async () => {
    const started = await startEngine({ capabilitiesDir, stateDir });
    engines.push(started.engine);
    return started;
  };

  beforeEach(async () => {
    capabilitiesDir = await makeTempDir('capabilities-');
    stateDir = await makeTempDir('state-');
    await writeCapability(capabilitiesDir);
  });

  afterEach(async () => {
    await Promise.all(engines.splice(0).map(e => e.stop()));
    await removeDir(capabilitiesDir);
    await removeDir(stateDir);
    await removeDir(`${stateDir}.away`);
  });

  it('accepts nothing it could not write, and provisions the request once it is applied again', async () => {
    const { engine, waitForPhase } = await start();
    const desired = desiredResource({ spec: { message: 'after the outage' } });

    const restore = await stateFolderOutage(stateDir);
    const failed = await engine.apply(desired).catch(e => e);
    expect(failed).toBeInstanceOf(ServiceUnavailableError);
    expect(failed.message).toMatch(/could not write its state/);
    // Not accepted means not known: the platform keeps owing the apply.
    await expect(engine.observe(desired)).resolves.toBeUndefined();
    await restore();

    // The platform's retry of the same desired state.
    await engine.apply(desired);
    const ready = await waitForPhase(desired.resourceId, 'Ready');
    expect(ready.outputs.echo).toBe('after the outage');
    expect(await stepRuns(stateDir, desired)).toEqual([
      'configure start 1 v1.0.0',
      'configure end 1 v1.0.0',
    ]);
  });

  it('runs an update that could not be written once it is applied again', async () => {
    const { engine, waitForPhase } = await start();
    const desired = desiredResource({ spec: { message: 'one' } });
    await engine.apply(desired);
    await waitForPhase(desired.resourceId, 'Ready');

    const restore = await stateFolderOutage(stateDir);
    const update = { ...desired, generation: 2, spec: { message: 'two' } };
    await expect(engine.apply(update)).rejects.toThrow(ServiceUnavailableError);
    await restore();

    await engine.apply(update);
    await waitFor('generation 2 to be reconciled', async () => {
      const state = await engine.observe(desired);
      return state?.phase === 'Ready' && state.observedGeneration === 2;
    });
    expect((await engine.observe(desired))?.outputs.echo).toBe('two');
    expect(await stepRuns(stateDir, desired)).toEqual([
      'configure start 1 v1.0.0',
      'configure end 1 v1.0.0',
      'configure start 2 v1.0.0',
      'configure end 2 v1.0.0',
    ]);
  });

  it('keeps a delete that could not be written owed, and deletes once it is asked again', async () => {
    const { engine, waitForPhase, changes } = await start();
    const desired = desiredResource();
    await engine.apply(desired);
    await waitForPhase(desired.resourceId, 'Ready');

    const restore = await stateFolderOutage(stateDir);
    await expect(engine.delete(desired)).rejects.toThrow(
      ServiceUnavailableError,
    );
    expect((await engine.observe(desired))?.phase).toBe('Ready');
    await restore();

    await engine.delete(desired);
    await waitFor('the deleted change', () =>
      changes.some(
        c =>
          c.type === 'deleted' && c.resource.resourceId === desired.resourceId,
      ),
    );
    await expect(engine.observe(desired)).resolves.toBeUndefined();
  });
});
