// What the rolling-restart parts share: the run's PostgreSQL databases, the
// load's capability and owner, time limits, the log and the findings.

import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
);
const require = createRequire(join(root, 'package.json'));
export const pg = require('pg');
export const requireFromRoot = require;

export const PG_URL =
  process.env.TRELLIS_RR_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432';
export const RUN = `trellis_rr_${randomBytes(4).toString('hex')}_`;
export const CAPABILITY = 'local:bucket';
export const OWNER = 'group:default/team-storefront';
export const RATE_PER_SECOND = Number(process.env.TRELLIS_RR_RATE ?? 2);
// The whole run, startups included: a few minutes on an idle 2-core
// machine, far more when the machine is busy.
export const DEADLINE_MS = 40 * 60_000;
export const START_TIMEOUT_MS = 8 * 60_000;
export const started = Date.now();

export const log = (...args) =>
  console.log(
    `[rolling-restart ${((Date.now() - started) / 1000)
      .toFixed(1)
      .padStart(6)} s]`,
    ...args,
  );
export const sleep = ms => new Promise(r => setTimeout(r, ms));

export const findings = []; // readiness and shutdown problems, besides losses
