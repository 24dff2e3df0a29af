import { describeCli, file, request } from './__testUtils__/cliSuite';
import { cliEnv, runCli, startCli } from './__testUtils__/spawnCli';
import { ALICE, STATIC_TOKEN } from './__testUtils__/testBackend';
import { EXIT } from './exitCodes';

/*
 * Change requests from a terminal: a change by a service principal (a
 * static token, as an agent or a pipeline has) waits for a person; apply and
 * delete say so and exit 8; a person lists, reads, approves or rejects with
 * their own token; `approvals wait` follows one to its decision.
 * Spawned processes against a started backend, as a user runs them.
 */

jest.setTimeout(180_000);

describeCli('trellis approvals', suite => {
  /** The pipeline's shell: the static token instead of Alice's. */
  const pipeline = () =>
    cliEnv({ TRELLIS_URL: suite.platform.url, TRELLIS_TOKEN: STATIC_TOKEN });

  it('apply by a service principal needs approval (exit 8, twice the same request); a person approves it and it is created', async () => {
    const { env, resourcesNamed } = suite;
    const path = file('pipeline.yaml', request('pipeline-db', '  size: small'));

    const dry = await runCli(['apply', '-f', path, '--dry-run'], {
      env: pipeline(),
    });
    expect(dry.code).toBe(EXIT.ok);
    expect(dry.stdout).toMatch(
      /pipeline-db created \(dry run; needs approval: service-principal\)/,
    );

    const first = await runCli(['apply', '-f', path], { env: pipeline() });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(EXIT.needsApproval);
    const [, id] =
      /^memory:database\/dev\/pipeline-db needs approval: change request (\d+) \(create of pipeline-db in dev; why: service-principal\)\. Nothing changed yet\. Someone else approves it with trellis approve \1 or on the portal's Approvals page; follow it with trellis approvals wait \1$/m.exec(
        first.stdout,
      ) ?? [];
    expect(id).toBeDefined();
    // The same file again: the same change request, not a second one.
    const second = await runCli(['apply', '-f', path, '-o', 'json'], {
      env: pipeline(),
    });
    expect(second.code).toBe(EXIT.needsApproval);
    const [again] = JSON.parse(second.stdout);
    expect(again).toMatchObject({
      outcome: 'needs-approval',
      changeRequest: { id, status: 'pending', operation: 'create' },
    });
    expect(await resourcesNamed('pipeline-db')).toHaveLength(0);

    // Alice's inbox: pending change requests, as a table, JSON and YAML.
    const inbox = await runCli(['approvals'], { env });
    expect(inbox.code).toBe(EXIT.ok);
    const [heading, row] = inbox.stdout.trim().split('\n');
    expect(heading).toMatch(
      /^ID\s+STATUS\s+CHANGE\s+RESOURCE\s+ENVIRONMENT\s+CAPABILITY\s+REQUESTED BY\s+WHY\s+AGE$/,
    );
    expect(row).toMatch(
      new RegExp(
        `^${id}\\s+pending\\s+create\\s+pipeline-db\\s+dev\\s+memory:database\\s+\\S+\\s+service-principal`,
      ),
    );
    const json = await runCli(['approvals', 'list', '-o', 'json'], { env });
    expect(
      JSON.parse(json.stdout).items.map((c: { id: string }) => c.id),
    ).toContain(id);
    const yaml = await runCli(['approvals', 'get', id, '-o', 'yaml'], {
      env,
    });
    expect(yaml.stdout).toMatch(/^status: pending$/m);
    const detail = await runCli(['approvals', 'get', id], { env });
    expect(detail.stdout).toMatch(/^Change:\s+create of pipeline-db in dev$/m);
    expect(detail.stdout).toMatch(/^Why:\s+service-principal$/m);

    // The pipeline cannot approve its own change: people approve.
    const byService = await runCli(['approve', id], { env: pipeline() });
    expect(byService.code).toBe(EXIT.notAllowed);
    expect(byService.stderr).toMatch(/Change requests are approved by people/);

    // Alice approves it, with a comment: the resource is created.
    const approved = await runCli(
      ['approve', id, '--comment', 'reviewed in PR 12'],
      { env },
    );
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(EXIT.ok);
    expect(approved.stdout).toMatch(
      new RegExp(
        `^change request ${id} \\(create of pipeline-db in dev\\) approved by ${ALICE} \\("reviewed in PR 12"\\); the change is applied`,
      ),
    );
    expect(await resourcesNamed('pipeline-db')).toHaveLength(1);

    // Decided is final.
    const twice = await runCli(['approve', id], { env });
    expect(twice.code).toBe(EXIT.conflict);
    expect(twice.stderr).toMatch(/approved/);
  });

  it('delete by a service principal waits; a rejected one never runs, and approvals wait says so', async () => {
    const { env, resourcesNamed } = suite;
    await runCli(
      ['apply', '-f', file('kept.yaml', request('kept-db', '  size: small'))],
      { env },
    );
    const [{ id: resourceId }] = await resourcesNamed('kept-db');

    const deleted = await runCli(['delete', resourceId, '--yes'], {
      env: pipeline(),
    });
    expect(deleted.code).toBe(EXIT.needsApproval);
    const [, id] =
      /kept-db needs approval: change request (\d+) \(delete of kept-db in dev/.exec(
        deleted.stdout,
      ) ?? [];
    expect(id).toBeDefined();

    const wait = startCli(['approvals', 'wait', id, '--timeout', '60s'], {
      env,
    });
    try {
      const noComment = await runCli(['reject', id], { env });
      expect(noComment.code).toBe(EXIT.usage);
      expect(noComment.stderr).toMatch(/--comment: required/);

      const rejected = await runCli(
        ['reject', id, '--comment', 'still used by billing'],
        { env },
      );
      expect(rejected.code).toBe(EXIT.ok);
      expect(rejected.stdout).toMatch(
        new RegExp(
          `change request ${id} \\(delete of kept-db in dev\\) rejected by ${ALICE} \\("still used by billing"\\); it will not be applied`,
        ),
      );
      expect(await wait.exited).toBe(EXIT.failedPhase);
      expect(wait.stderr()).toMatch(/rejected by/);
    } finally {
      wait.stop();
    }
    const [kept] = await resourcesNamed('kept-db');
    const now = await runCli(['get', kept.id, '-o', 'json'], { env });
    expect(JSON.parse(now.stdout).status.phase).not.toMatch(/^Delet/);

    const badId = await runCli(['approvals', 'get', 'forty-two'], { env });
    expect(badId.code).toBe(EXIT.usage);
    expect(badId.stderr).toMatch(/a change request id is a number/);
    const unknown = await runCli(['approvals', 'get', '999999'], { env });
    expect(unknown.code).toBe(EXIT.notFound);
    const badStatus = await runCli(['approvals', '--status', 'open'], { env });
    expect(badStatus.code).toBe(EXIT.usage);
    expect(badStatus.stderr).toMatch(
      /--status: "open" is not a change request status/,
    );
  });

  it('approvals wait ends 0 once someone approves, and 5 on timeout', async () => {
    const { env } = suite;
    const path = file('waited.yaml', request('waited-cr-db', '  size: small'));
    const asked = await runCli(['apply', '-f', path, '-o', 'json'], {
      env: pipeline(),
    });
    const [{ changeRequest }] = JSON.parse(asked.stdout);

    const timeout = await runCli(
      ['approvals', 'wait', changeRequest.id, '--timeout', '1s'],
      { env },
    );
    expect(timeout.code).toBe(EXIT.timeout);
    expect(timeout.stderr).toMatch(
      new RegExp(`change request ${changeRequest.id} is still pending`),
    );

    const wait = startCli(
      ['approvals', 'wait', changeRequest.id, '--timeout', '60s'],
      { env: pipeline() },
    );
    try {
      await new Promise(resolve => setTimeout(resolve, 1_500));
      const approved = await runCli(['approve', changeRequest.id], { env });
      expect(approved.code).toBe(EXIT.ok);
      expect(await wait.exited).toBe(EXIT.ok);
      expect(wait.lines.map(l => l.text).join('\n')).toMatch(
        /approved by .*; the change is applied/,
      );
    } finally {
      wait.stop();
    }
  });
});
