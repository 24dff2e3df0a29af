// Playwright is the repo's e2e runner (root devDependency), not a dependency
// of the plugin package.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { APIRequestContext, expect } from '@playwright/test';
import {
  DevexFact,
  DevexFactKind,
} from '@trellis/backstage-plugin-devex-common';

/*
 * A small, known delivery history for the e2e run (issue 12), written through
 * POST /api/devex/facts with the devex-only static token of
 * app-config.e2e.yaml, so that delivery.test.ts can assert exact figures. The
 * facts have the shapes the delivery module writes from GitHub webhooks
 * (plugins/devex-backend-module-delivery/src/interpret/github.ts), with the
 * example catalog's components as entityRef, and times relative to the
 * moment of seeding: between 1 and 58 days ago, so the 90-day range holds
 * them all, and the 30-day window of the component card holds exactly the
 * ones marked "card" below (its nearest edges are 24 and 44 days ago).
 *
 * Fact ids (sourceId) are fixed: the store keeps one fact per id, so a second
 * seed adds nothing (the answer counts them as duplicates).
 *
 * Timeline (d = days before seeding, +h = hours after that). Every
 * deployment is production and successful unless said otherwise, created
 * 15 minutes before it finished (its time); every change is merged 1 hour
 * before the deployment that ships it was created, and its first commit is
 * "lead" before that deployment finished.
 *
 * storefront-web (team-storefront), repo acme/storefront-web
 *   A1  55 d     sha a1   ships PR 9101 (lead 20 h)
 *   A2  45 d     sha a2   ships PR 9102 (lead 49 h 30 min); rolled back by A3
 *   A3  44 d     sha a1   the rollback: ships A1's sha again
 *   A4  24 d     card     ships PR 9103 (lead 48 h 30 min)
 *   A5  17 d     card     ships PR 9104 (lead 49 h 30 min); failed by IA
 *   IA  17 d +2 h         incident opened; resolved 48 h 30 min later
 *   A6  17 d +22 h card   the fix, during IA (rework); ships PR 9105 (lead 6 h)
 *   --  12 d     staging  not production: counts nowhere
 *   A7  10 d     card     ships PR 9106 (lead 48 h 30 min)
 *   A8   3 d     card     ships PR 9107 (lead 49 h 30 min)
 *
 * checkout-service (team-payments), repo acme/checkout-service
 *   B1  58 d     ships PR 9201 (lead 3 h)
 *   B2  50 d     ships PR 9205, whose first commit is unknown
 *   B3  36 d     ships PR 9202 (lead 12 h)
 *   --  30 d     status failure: not a deployment
 *   B4  28 d     failed by IB
 *   IB  28 d +1 h         incident opened; resolved 40 min later
 *   B5  20 d     ships PR 9203 (lead 140 h)
 *   B6   8 d     ships PR 9204 (lead 48 h 30 min)
 *
 * search-api (team-search), repo acme/search-api
 *   C1  52 d     ships PR 9301 (lead 2 h)
 *   IC  40 d              incident opened (more than 24 h after C1: fails
 *                         nothing); resolved 49 h 30 min later
 *   C2  40 d +30 h        the fix, during IC (rework); ships PR 9305 (lead 20 h)
 *   C3  22 d     ships PR 9302 (lead 30 h)
 *   C4   5 d     ships PR 9303 (lead 49 h 30 min)
 *   ID   2 d              incident opened (3 days after C4), still open
 *   --   1 d              PR 9304 merged, not deployed yet
 *
 * The p50 and p90 of lead time and recovery that the tests read are
 * 48 h 30 min and 49 h 30 min on purpose: the report's percentiles come from
 * log histograms within 1 % of the true value, and these two are the values
 * whose shown form ("2 d", "2 d 1 h": whole hours from 48 h on) is the same
 * anywhere within 1 % of them (48.5 h × 0.99 = 48.015 h, × 1.01 = 48.985 h).
 */

/** The `source` of the seeded facts (not a registered source's id). */
export const SEED_SOURCE = 'e2e-seed';

/** app-config.e2e.yaml's devex-only static token (subject trellis-e2e-seed). */
const SEED_TOKEN =
  process.env.TRELLIS_E2E_SEED_TOKEN ?? 'e2e-devex-seed-token-not-a-secret';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;

interface Deployment {
  id: string;
  /** Days before the seed. */
  daysAgo: number;
  /** Hours after that. */
  plusHours?: number;
  sha: string;
  environment?: string;
  status?: 'success' | 'failure';
  /** PRs it ships: number → lead time in hours (null: first commit unknown). */
  ships?: Record<number, number | null>;
}

interface Incident {
  id: string;
  title: string;
  severity: string;
  daysAgo: number;
  plusHours?: number;
  /** Opened → resolved, in minutes; undefined while open. */
  recoveryMinutes?: number;
}

interface Component {
  name: string;
  /** A user of the component's team who has a start date in the catalog. */
  author: string;
  deployments: Deployment[];
  incidents: Incident[];
  /** PRs merged and not deployed: number → days ago. */
  undeployed?: Record<number, number>;
}

const HISTORY: Component[] = [
  {
    name: 'storefront-web',
    author: 'user:default/hana-kim',
    deployments: [
      { id: 'A1', daysAgo: 55, sha: 'a1', ships: { 9101: 20 } },
      { id: 'A2', daysAgo: 45, sha: 'a2', ships: { 9102: 49.5 } },
      { id: 'A3', daysAgo: 44, sha: 'a1' },
      { id: 'A4', daysAgo: 24, sha: 'a4', ships: { 9103: 48.5 } },
      { id: 'A5', daysAgo: 17, sha: 'a5', ships: { 9104: 49.5 } },
      { id: 'A6', daysAgo: 17, plusHours: 22, sha: 'a6', ships: { 9105: 6 } },
      { id: 'A6s', daysAgo: 12, sha: 'a6', environment: 'staging' },
      { id: 'A7', daysAgo: 10, sha: 'a7', ships: { 9106: 48.5 } },
      { id: 'A8', daysAgo: 3, sha: 'a8', ships: { 9107: 49.5 } },
    ],
    incidents: [
      {
        id: 'IA',
        title: 'Checkout button does nothing on mobile',
        severity: 'sev2',
        daysAgo: 17,
        plusHours: 2,
        recoveryMinutes: 48.5 * 60,
      },
    ],
  },
  {
    name: 'checkout-service',
    author: 'user:default/amara-okafor',
    deployments: [
      { id: 'B1', daysAgo: 58, sha: 'b1', ships: { 9201: 3 } },
      { id: 'B2', daysAgo: 50, sha: 'b2', ships: { 9205: null } },
      { id: 'B3', daysAgo: 36, sha: 'b3', ships: { 9202: 12 } },
      { id: 'B3f', daysAgo: 30, sha: 'b3f', status: 'failure' },
      { id: 'B4', daysAgo: 28, sha: 'b4' },
      { id: 'B5', daysAgo: 20, sha: 'b5', ships: { 9203: 140 } },
      { id: 'B6', daysAgo: 8, sha: 'b6', ships: { 9204: 48.5 } },
    ],
    incidents: [
      {
        id: 'IB',
        title: 'Card payments declined after the deploy',
        severity: 'sev1',
        daysAgo: 28,
        plusHours: 1,
        recoveryMinutes: 40,
      },
    ],
  },
  {
    name: 'search-api',
    author: 'user:default/arjun-patel',
    deployments: [
      { id: 'C1', daysAgo: 52, sha: 'c1', ships: { 9301: 2 } },
      { id: 'C2', daysAgo: 40, plusHours: 30, sha: 'c2', ships: { 9305: 20 } },
      { id: 'C3', daysAgo: 22, sha: 'c3', ships: { 9302: 30 } },
      { id: 'C4', daysAgo: 5, sha: 'c4', ships: { 9303: 49.5 } },
    ],
    incidents: [
      {
        id: 'IC',
        title: 'Search results empty for quoted queries',
        severity: 'sev3',
        daysAgo: 40,
        recoveryMinutes: 49.5 * 60,
      },
      {
        id: 'ID',
        title: 'Slow autocomplete in the EU region',
        severity: 'sev3',
        daysAgo: 2,
      },
    ],
    undeployed: { 9304: 1 },
  },
];

/** A sha of 40 hex digits from a short name, stable across seeds. */
const sha = (name: string) =>
  Array.from(name)
    .map(c => c.charCodeAt(0).toString(16))
    .join('')
    .padEnd(40, '0');

/** The seeded facts, with times relative to `now` (ms). */
export function seedFacts(now: number): DevexFact[] {
  const iso = (t: number) => new Date(t).toISOString();
  const at = (daysAgo: number, plusHours = 0) =>
    now - daysAgo * DAY + plusHours * HOUR;
  const facts: DevexFact[] = [];
  for (const c of HISTORY) {
    const repo = `acme/${c.name}`;
    const entityRef = `component:default/${c.name}`;
    const change = (
      number: number,
      mergedAt: number,
      firstCommitAt: number | null,
    ) => {
      const subject = `github:pr/${repo}/${number}`;
      facts.push({
        sourceId: `${SEED_SOURCE}:pr/${repo}/${number}/merged`,
        kind: DevexFactKind.deliveryChangeMerged,
        time: iso(mergedAt),
        subject,
        entityRef,
        actor: c.author,
        ...(firstCommitAt === null
          ? {}
          : { value: Math.round((mergedAt - firstCommitAt) / 1000) }),
        attributes: {
          provider: 'github',
          repo,
          number,
          url: `https://github.com/${repo}/pull/${number}`,
          firstCommitAt: firstCommitAt === null ? null : iso(firstCommitAt),
          mergeSha: sha(`${c.name}#${number}`),
          baseBranch: 'main',
          labels: [],
        },
      });
    };
    for (const d of c.deployments) {
      const time = at(d.daysAgo, d.plusHours);
      const createdAt = time - 15 * MINUTE;
      const environment = d.environment ?? 'production';
      facts.push({
        sourceId: `${SEED_SOURCE}:deployment/${repo}/${d.id}/status`,
        kind: DevexFactKind.deliveryDeployment,
        time: iso(time),
        subject: `github:deployment/${repo}/${d.id}`,
        entityRef,
        attributes: {
          provider: 'github',
          repo,
          id: d.id,
          environment,
          production: environment === 'production',
          status: d.status ?? 'success',
          sha: sha(`${c.name}@${d.sha}`),
          url: `https://github.com/${repo}/deployments/${d.id}`,
          createdAt: iso(createdAt),
        },
      });
      for (const [number, leadHours] of Object.entries(d.ships ?? {})) {
        change(
          Number(number),
          createdAt - HOUR,
          leadHours === null ? null : time - leadHours * HOUR,
        );
      }
    }
    for (const [number, daysAgo] of Object.entries(c.undeployed ?? {})) {
      change(Number(number), at(daysAgo), at(daysAgo) - 5 * HOUR);
    }
    for (const i of c.incidents) {
      const openedAt = at(i.daysAgo, i.plusHours);
      const subject = `github:incident/${repo}#${i.id}`;
      const attributes = {
        provider: 'github',
        id: `${repo}#${i.id}`,
        title: i.title,
        url: `https://github.com/${repo}/issues/${i.id}`,
        severity: i.severity,
        openedAt: iso(openedAt),
      };
      facts.push({
        sourceId: `${SEED_SOURCE}:incident/${repo}#${i.id}/opened`,
        kind: DevexFactKind.deliveryIncidentOpened,
        time: iso(openedAt),
        subject,
        entityRef,
        attributes,
      });
      if (i.recoveryMinutes === undefined) continue;
      const resolvedAt = openedAt + i.recoveryMinutes * MINUTE;
      facts.push({
        sourceId: `${SEED_SOURCE}:incident/${repo}#${i.id}/resolved`,
        kind: DevexFactKind.deliveryIncidentResolved,
        time: iso(resolvedAt),
        subject,
        entityRef,
        value: i.recoveryMinutes * 60,
        attributes: { ...attributes, resolvedAt: iso(resolvedAt) },
      });
    }
  }
  return facts;
}

/**
 * Writes the seed; resolves with how many facts were new. Every fact must be
 * either stored now or known already (a seed run before): none rejected.
 */
export async function seedDelivery(
  request: APIRequestContext,
  backend: string,
  now = Date.now(),
): Promise<{ accepted: number; duplicates: number }> {
  const facts = seedFacts(now);
  const res = await request.post(`${backend}/api/devex/facts`, {
    headers: { Authorization: `Bearer ${SEED_TOKEN}` },
    data: { source: SEED_SOURCE, facts },
  });
  expect(
    res.ok(),
    `POST /api/devex/facts with the e2e seed token: ${res.status()} ${await res.text()} (the token is in app-config.e2e.yaml)`,
  ).toBeTruthy();
  const result = await res.json();
  expect(result.rejected).toEqual([]);
  expect(result.accepted + result.duplicates).toBe(facts.length);
  return { accepted: result.accepted, duplicates: result.duplicates };
}
