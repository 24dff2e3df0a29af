// The load: create requests at a steady rate, round robin over the
// replicas in service (readiness 200), the way a Kubernetes Service routes.

import {
  CAPABILITY,
  findings,
  log,
  OWNER,
  RATE_PER_SECOND,
} from './common.mjs';

export const accepted = new Map(); // name -> { id, replica }
export const outcomes = {}; // "A 201", "B ECONNREFUSED", …
export const unconfirmed = new Set(); // sent, no answer: may or may not exist
export let sent = 0;

async function sendOne(replicas, seq) {
  const candidates = replicas.filter(r => r.inService);
  if (candidates.length === 0) return;
  const replica = candidates[seq % candidates.length];
  const name = `rr-${seq}`;
  sent += 1;
  let key;
  try {
    const res = await fetch(`${replica.url}/api/platform/resources`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${replica.token}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({
        capabilityRef: CAPABILITY,
        name,
        environment: 'dev',
        owner: OWNER,
        spec: { retentionDays: 7 },
      }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = await res.json().catch(() => undefined);
    key = `${replica.name} ${res.status}`;
    if (res.status === 201) {
      accepted.set(name, { id: body.id, replica: replica.name });
    } else if (res.status >= 500 || res.status === 429) {
      unconfirmed.add(name);
    } else {
      // A 4xx here is a bug in this script or the API, not a lost request.
      const finding = `${name} to ${replica.name}: ${
        res.status
      } ${JSON.stringify(body?.error?.message ?? body)}`;
      if (findings.length < 3) log(finding);
      findings.push(finding);
    }
  } catch (error) {
    key = `${replica.name} ${error.cause?.code ?? error.name}`;
    unconfirmed.add(name);
  }
  outcomes[key] = (outcomes[key] ?? 0) + 1;
}

export function startLoad(replicas) {
  let seq = 0;
  const inflight = new Set();
  const timer = setInterval(() => {
    const p = sendOne(replicas, seq++).finally(() => inflight.delete(p));
    inflight.add(p);
  }, 1000 / RATE_PER_SECOND);
  return async () => {
    clearInterval(timer);
    await Promise.all(inflight);
  };
}
