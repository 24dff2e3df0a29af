import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockServices } from '@backstage/backend-test-utils';
import { createGitHttpRouter } from './GitHttpRouter';

describe('createGitHttpRouter', () => {
  let stateDir: string;
  let app: express.Express;

  beforeAll(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'git-http-'));
    const repository = join(
      stateDir,
      'capability-data/git-repository/dev/shop.git',
    );
    const work = join(stateDir, 'work');
    mkdirSync(repository, { recursive: true });
    execFileSync('git', [
      'init',
      '--quiet',
      '--bare',
      '--initial-branch=main',
      repository,
    ]);
    execFileSync('git', ['init', '--quiet', '--initial-branch=main', work]);
    writeFileSync(join(work, 'catalog-info.yaml'), 'kind: Component\n');
    execFileSync('git', ['-C', work, 'add', '.']);
    execFileSync('git', [
      '-C',
      work,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@t',
      'commit',
      '--quiet',
      '-m',
      'x',
    ]);
    execFileSync('git', [
      '-C',
      work,
      'push',
      '--quiet',
      repository,
      'HEAD:refs/heads/main',
    ]);

    app = express();
    app.use(createGitHttpRouter({ stateDir }));
    app.use(
      MiddlewareFactory.create({
        config: mockServices.rootConfig(),
        logger: mockServices.logger.mock(),
      }).error(),
    );
  });

  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it('serves a file of a repository at a branch', async () => {
    const res = await request(app).get(
      '/local-git/git-repository/dev/shop/raw/main/catalog-info.yaml',
    );
    expect(res.status).toBe(200);
    expect(res.text).toBe('kind: Component\n');
  });

  it('answers 404 for missing repositories and files', async () => {
    expect(
      (await request(app).get('/local-git/git-repository/dev/nope/raw/main/x'))
        .status,
    ).toBe(404);
    expect(
      (
        await request(app).get(
          '/local-git/git-repository/dev/shop/raw/main/missing.yaml',
        )
      ).status,
    ).toBe(404);
  });

  it('refuses traversal and option injection', async () => {
    for (const path of [
      '/local-git/git-repository/dev/shop/raw/main/..%2F..%2Fetc%2Fpasswd',
      '/local-git/git-repository/..%2F..%2F/shop/raw/main/a',
      '/local-git/git-repository/dev/shop/raw/--output=x/a',
      '/local-git/git-repository/dev/Shop/raw/main/a',
    ]) {
      const res = await request(app).get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
    }
  });
});
