import { Command } from 'commander';
import {
  CHANGE_REQUEST_SIGNAL_CHANNEL,
  ChangeRequest,
  ChangeRequestStatus,
  ListChangeRequestsQuery,
} from '@trellis/backstage-plugin-platform-common';
import {
  CHANGE_REQUEST_STATUSES,
  changeRequestDetail,
  changeRequestTable,
  DECIDED,
  outcomeLine,
} from '../changeRequests';
import { CommandEnv, outputOption, withEnv } from '../commandEnv';
import { CliContext } from '../context';
import { parseDuration } from '../duration';
import { CliError, EXIT, usageError } from '../exitCodes';
import { followChannel } from '../follow';
import { CliIo } from '../io';
import { formatOutput, OutputFormat, parseOutputFormat } from '../output';

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  value,
];

/**
 * How often `approvals wait` reads again without a push: the platform
 * pushes on `platform:approvals`, but only to whom it notifies.
 */
const REREAD_MS = 5_000;

/** A change request id as the platform gives it: "42". */
function parseId(value: string): string {
  if (!/^[1-9]\d{0,17}$/.test(value)) {
    throw usageError(
      `<id>: a change request id is a number, e.g. 42 (got "${value}")`,
    );
  }
  return value;
}

function parseStatuses(
  values: string[] | undefined,
): ChangeRequestStatus[] | undefined {
  if (!values) return ['pending'];
  if (values.includes('all')) return undefined;
  for (const value of values) {
    if (!(CHANGE_REQUEST_STATUSES as string[]).includes(value)) {
      throw usageError(
        `--status: "${value}" is not a change request status (one of ${CHANGE_REQUEST_STATUSES.join(
          ', ',
        )}, or all)`,
      );
    }
  }
  return values as ChangeRequestStatus[];
}

function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw usageError(
      `--limit: must be a whole number from 1 to 500 (got "${value}")`,
    );
  }
  return limit;
}

/** What the body of a command about one change request gets. */
interface ChangeRequestEnv extends CommandEnv {
  /** The change request's id, checked. */
  id: string;
  format: OutputFormat;
}

/**
 * Gives `command` the `<id>` argument and `-o` (after its own options, as
 * help lists them), and runs `body` with both parsed, so that a bad id or
 * format is a usage error before any token is looked for.
 */
function onChangeRequest(
  command: Command,
  io: CliIo,
  body: (env: ChangeRequestEnv) => Promise<void>,
) {
  command
    .argument('<id>', 'the change request id, e.g. 42')
    .addOption(outputOption())
    .action(
      withEnv(io, async (env, raw: string) => {
        const format = parseOutputFormat(env.options.output as string);
        await body({ ...env, format, id: parseId(raw) });
      }),
    );
}

/**
 * `approve` or `reject`: a decision on someone else's change request.
 * `body` checks the comment and makes the request's body of it; the decided
 * request is printed, and an approved change that failed to apply is an
 * error.
 */
function decisionCommand<B>(
  program: Command,
  io: CliIo,
  decision: {
    name: string;
    description: string;
    commentHelp: string;
    body(comment: string | undefined): B;
    decide(ctx: CliContext, id: string, body: B): Promise<ChangeRequest>;
  },
) {
  onChangeRequest(
    program
      .command(decision.name)
      .description(decision.description)
      .option('-m, --comment <text>', decision.commentHelp),
    io,
    async ({ options, context, id, format }) => {
      const body = decision.body(options.comment as string | undefined);
      const ctx = await context();
      const cr = await decision.decide(ctx, id, body);
      if (cr.status === 'failed') {
        if (format !== 'table') io.stdout(formatOutput(format, cr, () => ''));
        throw new CliError(outcomeLine(cr), EXIT.error);
      }
      io.stdout(formatOutput(format, cr, () => outcomeLine(cr)));
    },
  );
}

/** Waits until a change request is decided (or expires). */
async function waitForDecision(
  ctx: CliContext,
  io: CliIo,
  id: string,
  timeoutMs: number,
): Promise<ChangeRequest | undefined> {
  let last: ChangeRequest | undefined;
  let settle: () => void = () => {};
  const decided = new Promise<void>(resolve => (settle = resolve));
  const read = async () => {
    last = await ctx.client.getChangeRequest(id, ctx.call());
    if (DECIDED.includes(last.status)) settle();
  };
  const follower = followChannel(ctx, CHANGE_REQUEST_SIGNAL_CHANNEL, read, m =>
    io.stderr(m),
  );
  const reread = setInterval(() => {
    read().catch(() => {});
  }, REREAD_MS);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<void>(resolve => {
    timer = setTimeout(resolve, timeoutMs);
  });
  const stop = () => follower.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await Promise.race([decided, timedOut, follower.done]);
  } finally {
    clearTimeout(timer);
    clearInterval(reread);
    follower.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return last;
}

export function registerApprovalCommands(program: Command, io: CliIo) {
  const approvals = program
    .command('approvals')
    .description(
      'Change requests: changes that wait for a person (production updates and deletes, changes by agents, capabilities marked so)',
    );

  approvals
    .command('list', { isDefault: true })
    .alias('ls')
    .description('List change requests you may read (default: pending ones)')
    .option(
      '-s, --status <status>',
      'only this status (repeatable): pending, approved, rejected, expired, cancelled, failed, or all',
      collect,
    )
    .option('--mine', 'only those you requested')
    .option('--resource <id>', 'only those of this resource (its id)')
    .option('--limit <n>', 'at most this many (1-500, default 50)')
    .addOption(outputOption())
    .action(
      withEnv(io, async ({ options, context }) => {
        const format = parseOutputFormat(options.output as string);
        const query: ListChangeRequestsQuery = {
          status: parseStatuses(options.status as string[] | undefined),
          mine: options.mine ? true : undefined,
          resourceId: options.resource as string | undefined,
          limit: parseLimit(options.limit as string | undefined),
        };
        const ctx = await context();
        const page = await ctx.client.listChangeRequests(query, ctx.call());
        io.stdout(
          formatOutput(format, page, () =>
            page.items.length === 0
              ? 'No change requests.'
              : changeRequestTable(page.items),
          ),
        );
      }),
    );

  onChangeRequest(
    approvals
      .command('get')
      .description(
        'Show one change request: the change, why, who asked, status',
      ),
    io,
    async ({ context, id, format }) => {
      const ctx = await context();
      const cr = await ctx.client.getChangeRequest(id, ctx.call());
      io.stdout(formatOutput(format, cr, () => changeRequestDetail(cr)));
    },
  );

  onChangeRequest(
    approvals
      .command('wait')
      .description(
        'Wait until a change request is decided: 0 when approved and applied, 7 when rejected, expired, cancelled or failed, 5 on timeout',
      )
      .option(
        '--timeout <duration>',
        'give up after this long (30s, 5m, 1h)',
        '1h',
      ),
    io,
    async ({ options, context, id, format }) => {
      const timeoutMs = parseDuration(options.timeout as string, '--timeout');
      const ctx = await context();
      const last = await waitForDecision(ctx, io, id, timeoutMs);
      if (!last || !DECIDED.includes(last.status)) {
        throw new CliError(
          `Timed out after ${options.timeout}: change request ${id} is still pending`,
          EXIT.timeout,
        );
      }
      if (last.status === 'approved') {
        io.stdout(formatOutput(format, last, () => outcomeLine(last)));
        return;
      }
      if (format !== 'table') io.stdout(formatOutput(format, last, () => ''));
      throw new CliError(outcomeLine(last), EXIT.failedPhase);
    },
  );

  onChangeRequest(
    approvals
      .command('cancel')
      .description('Withdraw a change request you made, while it is pending'),
    io,
    async ({ context, id, format }) => {
      const ctx = await context();
      const cr = await ctx.client.cancelChangeRequest(id, ctx.call());
      io.stdout(formatOutput(format, cr, () => outcomeLine(cr)));
    },
  );

  decisionCommand(program, io, {
    name: 'approve',
    description:
      "Approve someone else's change request; the change is then applied (you need platform.resource.approve)",
    commentHelp: 'why, for the requester and the audit log',
    body: comment => {
      if (comment !== undefined && !comment.trim()) {
        throw usageError('--comment: must not be empty (or leave it out)');
      }
      return comment === undefined ? {} : { comment };
    },
    decide: (ctx, id, body) =>
      ctx.client.approveChangeRequest(id, body, ctx.call()),
  });

  decisionCommand(program, io, {
    name: 'reject',
    description:
      "Reject someone else's change request, saying why; it is never applied",
    commentHelp: 'why it is rejected (required)',
    body: comment => {
      if (!comment?.trim()) {
        throw usageError(
          '--comment: required: say why the change is rejected, e.g. --comment "not during the freeze"',
        );
      }
      return { comment };
    },
    decide: (ctx, id, body) =>
      ctx.client.rejectChangeRequest(id, body, ctx.call()),
  });
}
