// The run's figures, and whether it passed: nothing lost, nothing doubled,
// everything Ready (also through the API), no readiness findings.

import { CAPABILITY, findings } from './common.mjs';
import { accepted, outcomes, sent, unconfirmed } from './load.mjs';

/** Prints the counts and what went wrong; true when the run passed. */
export function printReport(replicas, result) {
  const perReplica = { A: 0, B: 0 };
  for (const { replica } of accepted.values()) perReplica[replica] += 1;
  const heldBy = { A: 0, B: 0 };
  for (const holders of result.held.values())
    for (const h of holders) heldBy[h] += 1;

  console.log();
  console.log(
    'Rolling restart on PostgreSQL (two replicas, local engine, capability %s)',
    CAPABILITY,
  );
  console.log(
    `  requests sent          ${sent}  (${Object.entries(outcomes)
      .sort()
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')})`,
  );
  console.log(
    `  accepted (201)         ${accepted.size}  (A ${perReplica.A}, B ${perReplica.B})`,
  );
  console.log(`  unconfirmed (no 201)   ${unconfirmed.size}`);
  console.log(`  stored                 ${result.stored}`);
  console.log(
    `  ready                  ${result.ready}  (API: ${
      accepted.size - result.apiMissing.length
    })`,
  );
  console.log(`  held by engine         A ${heldBy.A}, B ${heldBy.B}`);
  console.log(`  lost                   ${result.lost.length}`);
  console.log(`  doubled                ${result.doubled.length}`);
  for (const replica of replicas)
    console.log(`  readiness ${replica.name}            ${replica.readiness}`);
  const show = (label, list) =>
    list.length &&
    console.log(
      `  ${label}: ${list.slice(0, 10).join('; ')}${
        list.length > 10 ? '; …' : ''
      }`,
    );
  show('LOST', result.lost);
  show('DOUBLED', result.doubled);
  show('NOT READY', result.notReady);
  show('NOT READY THROUGH THE API', result.apiMissing);
  show('FINDINGS', findings);
  const ok =
    accepted.size > 0 &&
    result.lost.length === 0 &&
    result.doubled.length === 0 &&
    result.notReady.length === 0 &&
    result.apiMissing.length === 0 &&
    findings.length === 0;
  console.log(ok ? 'rolling restart: passed' : 'rolling restart: FAILED');
  return ok;
}
