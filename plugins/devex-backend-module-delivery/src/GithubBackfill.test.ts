import { mockServices } from '@backstage/backend-test-utils';
import { Octokit } from '@octokit/rest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { GithubBackfill } from './GithubBackfill';
import { DraftFact } from './interpret';

const API = 'https://api.github.test';
const NOW = new Date('2026-11-30T12:00:00Z');
const day = (n: number) =>
  new Date(NOW.getTime() - n * 86_400_000).toISOString();

/** 101 closed pull requests, newest first: #101 … #1, one a day back. */
const pulls = Array.from({ length: 101 }, (_, i) => {
  const number = 101 - i;
  return {
    number,
    html_url: `https://github.com/acme/shop/pull/${number}`,
    updated_at: day(i + 0.5),
    merged_at: number % 10 === 0 ? null : day(i + 0.5), // every 10th closed unmerged
    merge_commit_sha: `sha${number}`,
    base: { ref: 'main' },
    labels: [{ name: 'feature' }],
    user: { login: 'ada' },
  };
});

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function memoryCursors() {
  const map = new Map<string, string>();
  return {
    map,
    get: async (k: string) => map.get(k),
    set: async (k: string, v: string) => {
      map.set(k, v);
    },
  };
}

function handlers(calls: string[], limitedOnce: { done: boolean }) {
  return [
    http.get(`${API}/repos/acme/shop/pulls`, ({ request }) => {
      const page = Number(new URL(request.url).searchParams.get('page') ?? 1);
      calls.push(`pulls page ${page}`);
      return HttpResponse.json(pulls.slice((page - 1) * 100, page * 100), {
        headers: { 'x-ratelimit-remaining': '4000' },
      });
    }),
    http.get(`${API}/repos/acme/shop/pulls/:n/commits`, ({ params }) => {
      if (!limitedOnce.done) {
        limitedOnce.done = true;
        return HttpResponse.json(
          { message: 'You have exceeded a secondary rate limit' },
          { status: 403, headers: { 'retry-after': '2' } },
        );
      }
      calls.push(`commits ${params.n}`);
      return HttpResponse.json([
        { commit: { author: { date: day(3) } } }, // out of order on purpose
        { commit: { author: { date: day(200) } } },
      ]);
    }),
    http.get(`${API}/repos/acme/shop/deployments`, () => {
      calls.push('deployments');
      return HttpResponse.json([
        {
          id: 7,
          sha: 'abc',
          environment: 'Production',
          created_at: day(1),
          url: `${API}/repos/acme/shop/deployments/7`,
        },
        {
          id: 6,
          sha: 'abd',
          environment: 'staging',
          created_at: day(2),
          url: `${API}/repos/acme/shop/deployments/6`,
        },
      ]);
    }),
    http.get(`${API}/repos/acme/shop/deployments/:id/statuses`, ({ params }) =>
      HttpResponse.json([
        params.id === '7'
          ? { id: 70, state: 'failure', updated_at: day(0.9) }
          : { id: 60, state: 'in_progress', updated_at: day(1.9) },
      ]),
    ),
  ];
}

function backfill(
  cursors: ReturnType<typeof memoryCursors>,
  written: DraftFact[],
  waits: number[],
) {
  return new GithubBackfill({
    repos: async () => ['acme/shop'],
    octokitFor: async () =>
      new Octokit({ auth: 'token', baseUrl: API, request: { retries: 0 } }),
    write: async drafts => {
      written.push(...drafts);
    },
    cursors,
    logger: mockServices.logger.mock(),
    interpret: {
      productionEnvironments: ['production'],
      incidentLabel: 'incident',
    },
    days: 90,
    now: () => NOW,
    sleep: async ms => {
      waits.push(ms);
    },
  });
}

describe('GithubBackfill', () => {
  it('reads merged pull requests over pages and deployments for the window, waiting out a rate limit, and resumes from its cursor', async () => {
    const calls: string[] = [];
    server.use(...handlers(calls, { done: false }));
    const cursors = memoryCursors();
    const written: DraftFact[] = [];
    const waits: number[] = [];

    const result = await backfill(cursors, written, waits).run();

    // 90 days: #101 … #12 are in the window; every 10th was not merged.
    const merged = written.filter(f => f.kind === 'delivery.change.merged');
    const inWindow = pulls.filter(p => p.updated_at > day(90));
    expect(merged.map(f => f.attributes.number)).toEqual(
      inWindow.filter(p => p.merged_at).map(p => p.number),
    );
    expect(calls).toContain('pulls page 1');
    expect(calls).not.toContain('pulls page 2'); // page 1 already left the window
    expect(waits).toEqual([2000]); // retry-after: 2
    expect(merged[0]).toMatchObject({
      sourceId: 'github:pr/acme/shop/101/merged',
      time: day(0.5),
      value: 200 * 86_400 - 43_200,
      attributes: {
        firstCommitAt: day(200),
        baseBranch: 'main',
        labels: ['feature'],
      },
      login: { provider: 'github', login: 'ada' },
    });
    const deployments = written.filter(f => f.kind === 'delivery.deployment');
    expect(deployments).toHaveLength(1); // #6 is still in progress
    expect(deployments[0]).toMatchObject({
      subject: 'github:deployment/acme/shop/7',
      attributes: { production: true, status: 'failure', sha: 'abc' },
    });
    expect(result).toEqual({ repos: 1, facts: merged.length + 1 });
    expect(cursors.map.get('github:acme/shop:pulls')).toBe(day(0.5));

    // The next run reads only what is newer than the cursors.
    written.length = 0;
    const again = await backfill(cursors, written, waits).run();
    expect(again.facts).toBe(0);
  });

  it('pages on while a full page is inside the window', async () => {
    const calls: string[] = [];
    server.use(...handlers(calls, { done: true }));
    const written: DraftFact[] = [];
    const b = new GithubBackfill({
      repos: async () => ['acme/shop'],
      octokitFor: async () => new Octokit({ auth: 't', baseUrl: API }),
      write: async drafts => {
        written.push(...drafts);
      },
      cursors: memoryCursors(),
      logger: mockServices.logger.mock(),
      interpret: {
        productionEnvironments: ['production'],
        incidentLabel: 'incident',
      },
      days: 365,
      now: () => NOW,
    });
    await b.run();
    expect(calls.filter(c => c.startsWith('pulls'))).toEqual([
      'pulls page 1',
      'pulls page 2',
    ]);
    expect(
      written.filter(f => f.kind === 'delivery.change.merged'),
    ).toHaveLength(pulls.filter(p => p.merged_at).length);
  });

  it('stops a run when the rate limit resets later than it may wait', async () => {
    server.use(
      http.get(`${API}/repos/acme/shop/pulls`, () =>
        HttpResponse.json(
          { message: 'API rate limit exceeded' },
          {
            status: 403,
            headers: {
              'x-ratelimit-remaining': '0',
              'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
            },
          },
        ),
      ),
    );
    const cursors = memoryCursors();
    const result = await backfill(cursors, [], []).run();
    expect(result.facts).toBe(0);
    expect(cursors.map.size).toBe(0);
  });
});
