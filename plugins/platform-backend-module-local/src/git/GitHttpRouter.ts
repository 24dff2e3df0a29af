import { NotFoundError, InputError } from '@backstage/errors';
import { dnsLabelProblem } from '@trellis/backstage-plugin-platform-common';
import express from 'express';
import Router from 'express-promise-router';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { resolveInside } from '../state/paths';

const execFileAsync = promisify(execFile);

const CAPABILITY = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const REF = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * Read-only access to files of the bare repositories that capabilities keep
 * in their data folder (`capability-data/<capability>/<environment>/<name>.git`),
 * e.g. the `catalog-info.yaml` of a repository the git-repository capability
 * created, so that `catalog:register` can read it over HTTP like any other
 * URL. Only `git show <ref>:<path>` runs, with an argument array.
 *
 *   GET /local-git/:capability/:environment/:name/raw/:ref/<path>
 */
export function createGitHttpRouter(options: {
  stateDir: string;
}): express.Router {
  const router = Router();

  router.get(
    '/local-git/:capability/:environment/:name/raw/:ref/*',
    async (req, res) => {
      const { capability, environment, name, ref } = req.params;
      const path = (req.params as Record<string, string>)[0] ?? '';
      if (!CAPABILITY.test(capability)) {
        throw new InputError('capability: is not a capability name');
      }
      for (const [field, value] of [
        ['environment', environment],
        ['name', name],
      ]) {
        const problem = dnsLabelProblem(value);
        if (problem) throw new InputError(`${field}: ${problem}`);
      }
      if (!REF.test(ref) || ref.includes('..')) {
        throw new InputError('ref: is not a branch, tag or commit');
      }
      const segments = path.split('/');
      if (
        !path ||
        segments.some(
          s => s === '' || s === '.' || s === '..' || s.startsWith('-'),
        )
      ) {
        throw new InputError(
          'path: must be a relative path inside the repository',
        );
      }
      const repository = resolveInside(
        options.stateDir,
        'capability-data',
        capability,
        environment,
        `${name}.git`,
      );
      if (!existsSync(repository)) {
        throw new NotFoundError(
          `No repository ${capability}/${environment}/${name}`,
        );
      }
      try {
        const { stdout } = await execFileAsync(
          'git',
          ['--git-dir', repository, 'show', `${ref}:${segments.join('/')}`],
          { encoding: 'buffer', maxBuffer: MAX_FILE_BYTES },
        );
        res.type('text/plain').send(stdout);
      } catch {
        throw new NotFoundError(`No file ${path} at ${ref} in ${name}`);
      }
    },
  );

  return router;
}
