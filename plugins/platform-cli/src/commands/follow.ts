import { Command, Option } from 'commander';
import YAML from 'yaml';
import {
  entitySignalChannel,
  isResourcePhase,
  PlatformResource,
  RESOURCE_PHASES,
  ResourcePhase,
} from '@trellis/backstage-plugin-platform-common';
import { outputOption, withEnv } from '../commandEnv';
import { parseDuration } from '../duration';
import { CliError, EXIT, usageError } from '../exitCodes';
import {
  Follower,
  followChannel,
  followResource,
  FollowUpdate,
} from '../follow';
import { CliIo } from '../io';
import { resolveResource } from '../lookup';
import { formatOutput, parseOutputFormat } from '../output';
import { lookupOptions } from './resources';

/** Phases a resource does not leave without someone changing it. */
const STUCK: ResourcePhase[] = ['Failed', 'Deleted'];

/** One watch line: the time, the resource and what it is now. */
function watchLine(r: PlatformResource): string {
  const parts = [
    new Date().toISOString(),
    r.name,
    r.status.phase,
    `generation ${r.observedGeneration}/${r.generation}`,
  ];
  if (r.status.message) parts.push(r.status.message);
  if (r.pending) {
    parts.push(
      `(${r.pending.action} ${r.pending.state}${
        r.pending.message ? `: ${r.pending.message}` : ''
      })`,
    );
  }
  return parts.join('  ');
}

/** What makes a watch print a line: what the line shows, time aside. */
function fingerprint(r: PlatformResource): string {
  return JSON.stringify([
    r.status.phase,
    r.status.message ?? null,
    r.generation,
    r.observedGeneration,
    r.appliedVersion ?? null,
    r.pending?.action ?? null,
    r.pending?.state ?? null,
    r.pending?.message ?? null,
  ]);
}

export function registerFollowCommands(program: Command, io: CliIo) {
  lookupOptions(
    program
      .command('wait')
      .description(
        'Wait until a resource reaches a phase (default Ready, at its latest generation), following it live',
      )
      .argument('<resource>', 'its id, or its name')
      .addOption(
        new Option('--for <phase>', 'the phase to wait for').default('Ready'),
      )
      .option(
        '--timeout <duration>',
        'give up after this long (30s, 5m, 1h)',
        '5m',
      )
      .addOption(outputOption()),
  ).action(
    withEnv(io, async ({ options, context }, idOrName: string) => {
      const format = parseOutputFormat(options.output as string);
      const target = options.for as string;
      if (!isResourcePhase(target)) {
        throw usageError(
          `--for: "${target}" is not a phase (one of ${RESOURCE_PHASES.join(
            ', ',
          )})`,
        );
      }
      const timeoutMs = parseDuration(options.timeout as string, '--timeout');
      const ctx = await context();
      const start = await resolveResource(ctx, idOrName, {
        capability: options.capability as string | undefined,
        environment: options.environment as string | undefined,
      });
      let last: PlatformResource = start;
      let outcome:
        | { kind: 'reached' }
        | { kind: 'stuck'; phase: ResourcePhase }
        | { kind: 'gone' }
        | undefined;
      const reached = (r: PlatformResource) =>
        r.status.phase === target &&
        (target !== 'Ready' || r.observedGeneration >= r.generation);
      const follower = followResource(ctx, start.id, {
        onUpdate: (update: FollowUpdate) => {
          if (update.kind === 'gone') {
            outcome =
              target === 'Deleted' ? { kind: 'reached' } : { kind: 'gone' };
            follower.stop();
            return;
          }
          last = update.resource;
          if (reached(last)) {
            outcome = { kind: 'reached' };
            follower.stop();
          } else if (STUCK.includes(last.status.phase)) {
            outcome = { kind: 'stuck', phase: last.status.phase };
            follower.stop();
          }
        },
        onNotice: message => io.stderr(message),
      });
      const timer = setTimeout(() => follower.stop(), timeoutMs);
      try {
        await follower.done;
      } finally {
        clearTimeout(timer);
      }
      if (!outcome) {
        throw new CliError(
          `Timed out after ${options.timeout}: ${last.name} is ${
            last.status.phase
          }${
            last.status.message ? ` (${last.status.message})` : ''
          }, not ${target}`,
          EXIT.timeout,
        );
      }
      if (outcome.kind === 'gone') {
        throw new CliError(`${last.name} no longer exists`, EXIT.notFound);
      }
      if (outcome.kind === 'stuck') {
        throw new CliError(
          `${last.name} is ${outcome.phase}${
            last.status.message ? `: ${last.status.message}` : ''
          }; it will not become ${target} by itself`,
          EXIT.failedPhase,
        );
      }
      io.stdout(formatOutput(format, last, () => `${last.name} is ${target}`));
    }),
  );

  lookupOptions(
    program
      .command('watch')
      .description(
        'Stream changes as they happen (pushed over Backstage signals, not polled): of one resource until it is deleted, or of every resource of a catalog entity (--component) until Ctrl-C',
      )
      .argument('[resource]', 'its id, or its name')
      .option(
        '--component <ref>',
        'every resource of this catalog entity, e.g. component:default/payroll',
      )
      .addOption(
        new Option(
          '-o, --output <format>',
          'table (one line per change), json (one object per line) or yaml',
        ).default('table'),
      ),
  ).action(
    withEnv(io, async ({ options, context }, idOrName?: string) => {
      const format = parseOutputFormat(options.output as string);
      const component = options.component as string | undefined;
      if (!idOrName === !component) {
        throw usageError(
          'watch: give a resource (its id or name) or --component <ref>, not both',
        );
      }
      const ctx = await context();
      const print = (r: PlatformResource) => {
        if (format === 'json') io.stdout(JSON.stringify(r));
        else if (format === 'yaml')
          io.stdout(`---\n${YAML.stringify(r).trimEnd()}`);
        else io.stdout(watchLine(r));
      };
      const onNotice = (message: string) => io.stderr(message);
      let follower: Follower;
      if (component) {
        const seen = new Map<string, string>();
        follower = followChannel(
          ctx,
          entitySignalChannel(component),
          async () => {
            const items: PlatformResource[] = [];
            let cursor: string | undefined;
            do {
              const page = await ctx.client.listResources(
                {
                  component: [component],
                  includeDeleted: true,
                  orderBy: 'name',
                  limit: 500,
                  cursor,
                },
                ctx.call(),
              );
              items.push(...page.items);
              cursor = page.nextCursor;
            } while (cursor);
            for (const resource of items) {
              const now = fingerprint(resource);
              const before = seen.get(resource.id);
              // Resources that were deleted before the watch began stay quiet.
              if (before === undefined && resource.status.phase === 'Deleted') {
                seen.set(resource.id, now);
                continue;
              }
              if (now !== before) {
                seen.set(resource.id, now);
                print(resource);
              }
            }
          },
          onNotice,
        );
      } else {
        const start = await resolveResource(ctx, idOrName!, {
          capability: options.capability as string | undefined,
          environment: options.environment as string | undefined,
        });
        let previous: string | undefined;
        follower = followResource(ctx, start.id, {
          onUpdate: update => {
            if (update.kind === 'gone') {
              io.stderr(`${start.name} no longer exists`);
              follower.stop();
              return;
            }
            const now = fingerprint(update.resource);
            if (now !== previous) {
              previous = now;
              print(update.resource);
            }
            if (update.resource.status.phase === 'Deleted') follower.stop();
          },
          onNotice,
        });
      }
      const stop = () => follower.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await follower.done;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    }),
  );
}
