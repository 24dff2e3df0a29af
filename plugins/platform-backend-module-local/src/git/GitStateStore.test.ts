import { execFile } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir, removeDir } from '../__testUtils__/harness';
import { GitStateStore } from './GitStateStore';

const exec = promisify(execFile);

describe('GitStateStore', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await makeTempDir('git-');
  });

  afterEach(() => removeDir(dir));

  async function output(name: string, files: Record<string, string>) {
    const folder = join(dir, 'outputs', name);
    await mkdir(folder, { recursive: true });
    for (const [file, content] of Object.entries(files)) {
      await mkdir(join(folder, file, '..'), { recursive: true });
      await writeFile(join(folder, file), content);
    }
    return folder;
  }

  const log = async (repo: string) =>
    (await exec('git', ['log', '--format=%s'], { cwd: repo })).stdout
      .trim()
      .split('\n');

  it('commits outputs in the Kratix layout and removes them again', async () => {
    const repo = join(dir, 'store');
    const store = new GitStateStore(repo);
    await store.init();
    const location = { environment: 'dev', capability: 'db', name: 'orders' };

    const outputs = [
      {
        pipeline: 'configure',
        dir: await output('a', { 'db.yaml': 'x', 'sub/more.yaml': 'y' }),
      },
    ];
    const first = await store.write(location, outputs, 'Configure orders');
    // The same documents again are no new commit.
    await expect(store.write(location, outputs, 'Again')).resolves.toBe(first);
    expect(await store.listFiles(location)).toEqual([
      'configure/db.yaml',
      'configure/sub/more.yaml',
    ]);

    await store.remove(location, 'Delete orders');
    expect(await store.listFiles(location)).toEqual([]);
    expect(await log(repo)).toEqual([
      'Delete orders',
      'Configure orders',
      'Initialize the state store',
    ]);

    // Opening it again keeps its history.
    await new GitStateStore(repo).init();
    expect(await log(repo)).toHaveLength(3);
  });

  it('commits changes that arrive together in fewer commits', async () => {
    const repo = join(dir, 'store');
    const store = new GitStateStore(repo);
    await store.init();
    const writes = await Promise.all(
      ['a', 'b', 'c', 'd'].map(async name =>
        store.write(
          { environment: 'dev', capability: 'db', name },
          [{ pipeline: 'p', dir: await output(name, { 'x.yaml': name }) }],
          `Configure ${name}`,
        ),
      ),
    );

    expect(new Set(writes).size).toBeLessThan(4);
    expect((await log(repo)).length).toBeLessThan(5);
    for (const name of ['a', 'b', 'c', 'd']) {
      expect(
        await store.listFiles({ environment: 'dev', capability: 'db', name }),
      ).toEqual(['p/x.yaml']);
    }
  });

  it('copies neither symlinks nor nested repositories', async () => {
    const store = new GitStateStore(join(dir, 'store'));
    await store.init();
    const folder = await output('o', { 'real.yaml': 'ok', '.git/config': 'x' });
    await writeFile(join(dir, 'secret.txt'), 'secret');
    await symlink(join(dir, 'secret.txt'), join(folder, 'link.txt'));

    const location = { environment: 'dev', capability: 'db', name: 'o' };
    await store.write(
      location,
      [{ pipeline: 'p', dir: folder }],
      'Configure o',
    );

    expect(await store.listFiles(location)).toEqual(['p/real.yaml']);
  });
});
