import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, removeDir } from '../__testUtils__/harness';
import { StateStore } from './StateStore';
import { InstanceRecord } from './types';

const record = (message: string) =>
  ({ resourceId: 'res-1', status: { message } } as unknown as InstanceRecord);

describe('StateStore', () => {
  let root: string;

  beforeEach(async () => {
    root = await makeTempDir('state-store-');
  });

  afterEach(() => removeDir(root));

  it('keeps writing a file after a write of it failed', async () => {
    const store = new StateStore(root);
    await store.init();
    // The instance's folder cannot be created: a file is in the way.
    const blocker = join(root, 'instances', 'res-1');
    await writeFile(blocker, '');

    const first = store.saveInstance(record('one'));
    // Once the first write runs, the next one is queued behind it.
    await Promise.resolve();
    await Promise.resolve();
    const second = store.saveInstance(record('two'));
    await expect(first).rejects.toThrow('EEXIST');
    await expect(second).rejects.toThrow('EEXIST');

    await rm(blocker);
    await store.saveInstance(record('three'));
    const onDisk = JSON.parse(
      await readFile(join(blocker, 'instance.json'), 'utf8'),
    );
    expect(onDisk.status.message).toBe('three');
  });
});
