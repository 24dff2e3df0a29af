import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import {
  isPendingApproval,
  isResourcePhase,
  ListResourcesQuery,
  PlatformResource,
  RESOURCE_PHASES,
  ResourcePhase,
} from '@trellis/backstage-plugin-platform-common';
import { applyRequest, ApplyResult } from '../apply';
import { outputOption, withEnv } from '../commandEnv';
import { needsApprovalLine, outcomeLine } from '../changeRequests';
import { CliError, EXIT, ExitStatus, usageError } from '../exitCodes';
import { CliIo } from '../io';
import { resolveResource } from '../lookup';
import { ManifestEntry, parseManifest } from '../manifest';
import { formatOutput, parseOutputFormat } from '../output';
import {
  capabilityTable,
  historyTable,
  resourceDetail,
  resourceTable,
} from '../present';

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  value,
];

/** The flags that narrow a name to one resource. */
export function lookupOptions(command: Command): Command {
  return command
    .option(
      '--capability <ref>',
      'the capability, when the name is used in several',
    )
    .option(
      '-e, --environment <name>',
      'the environment, when the name is used in several',
    );
}

async function readManifests(
  io: CliIo,
  files: string[],
): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  let stdinRead = false;
  for (const file of files) {
    let text: string;
    if (file === '-') {
      if (stdinRead) throw usageError('-f -: standard input can be read once');
      stdinRead = true;
      text = await io.readStdin();
    } else {
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw usageError(
          `-f ${file}: cannot be read (${
            code === 'ENOENT' ? 'no such file' : code ?? error
          })`,
        );
      }
    }
    entries.push(
      ...parseManifest(text, file === '-' ? 'standard input' : file),
    );
  }
  return entries;
}

function parsePhases(
  values: string[] | undefined,
): ResourcePhase[] | undefined {
  if (!values) return undefined;
  for (const value of values) {
    if (!isResourcePhase(value)) {
      throw usageError(
        `--phase: "${value}" is not a phase (one of ${RESOURCE_PHASES.join(
          ', ',
        )})`,
      );
    }
  }
  return values as ResourcePhase[];
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

/**
 * Exit 8 when a change waits for approval (after every file was applied);
 * 7 when one was already decided against (rejected, expired, ...).
 */
function exitForApprovals(results: ApplyResult[]) {
  const waiting = results.flatMap(r =>
    r.outcome === 'needs-approval' ? [r.changeRequest] : [],
  );
  if (waiting.some(cr => cr.status === 'pending')) {
    throw new ExitStatus(EXIT.needsApproval);
  }
  if (waiting.some(cr => cr.status !== 'approved')) {
    throw new ExitStatus(EXIT.failedPhase);
  }
}

export function registerResourceCommands(program: Command, io: CliIo) {
  program
    .command('apply')
    .description(
      'Create or update resources from request files kept in git: creates what is missing, replaces the spec where it differs, leaves the rest alone',
    )
    .requiredOption(
      '-f, --filename <file...>',
      'a YAML or JSON request file, or - for standard input',
    )
    .option('--dry-run', 'say what would change, change nothing')
    .addOption(outputOption())
    .action(
      withEnv(io, async ({ options, context }) => {
        const format = parseOutputFormat(options.output as string);
        const entries = await readManifests(io, options.filename as string[]);
        const ctx = await context();
        const results: Array<ApplyResult & { where: string }> = [];
        for (const entry of entries) {
          const result = await applyRequest(ctx, entry.request, entry.where, {
            dryRun: Boolean(options.dryRun),
          });
          results.push({ ...result, where: entry.where });
          if (format === 'table') {
            const { capabilityRef, environment, name } = entry.request;
            const subject = `${capabilityRef}/${environment}/${name}`;
            if (result.outcome === 'needs-approval') {
              const cr = result.changeRequest;
              io.stdout(
                `${subject} ${
                  cr.status === 'pending'
                    ? needsApprovalLine(cr)
                    : outcomeLine(cr)
                }`,
              );
              continue;
            }
            const { resource } = result;
            let suffix = options.dryRun ? ' (dry run)' : '';
            if (options.dryRun && resource.approvalRequired) {
              suffix = ` (dry run; needs approval: ${(
                resource.approvalReasons ?? []
              ).join(', ')})`;
            }
            io.stdout(
              `${subject} ${result.outcome}${suffix} (${resource.id || 'new'})`,
            );
          }
        }
        if (format !== 'table') {
          io.stdout(
            formatOutput(
              format,
              results.map(r =>
                r.outcome === 'needs-approval'
                  ? {
                      outcome: r.outcome,
                      changeRequest: r.changeRequest,
                      ...(r.resource ? { resource: r.resource } : {}),
                    }
                  : { outcome: r.outcome, resource: r.resource },
              ),
              () => '',
            ),
          );
        }
        exitForApprovals(results);
      }),
    );

  lookupOptions(
    program
      .command('get')
      .description('Show one resource: status, conditions, outputs, spec')
      .argument('<resource>', 'its id, or its name')
      .addOption(outputOption()),
  ).action(
    withEnv(io, async ({ options, context }, idOrName: string) => {
      const format = parseOutputFormat(options.output as string);
      const ctx = await context();
      const resource = await resolveResource(ctx, idOrName, {
        capability: options.capability as string | undefined,
        environment: options.environment as string | undefined,
      });
      io.stdout(formatOutput(format, resource, () => resourceDetail(resource)));
    }),
  );

  program
    .command('list')
    .alias('ls')
    .description('List the resources you may read')
    .option('--capability <ref>', 'only this capability (repeatable)', collect)
    .option('--owner <ref>', 'only this owner group (repeatable)', collect)
    .option(
      '--component <ref>',
      'only this catalog entity (repeatable)',
      collect,
    )
    .option('--phase <phase>', 'only this phase (repeatable)', collect)
    .option(
      '-e, --environment <name>',
      'only this environment (repeatable)',
      collect,
    )
    .option('--text <text>', 'name, component or capability contains this')
    .option('--limit <n>', 'at most this many (1-500, default 50)')
    .option('--all', 'every page, not just the first')
    .option('--include-deleted', 'also resources that finished deleting')
    .addOption(
      new Option('--sort <field>', 'sort by')
        .choices(['name', 'createdAt', 'updatedAt', 'phase'])
        .default('name'),
    )
    .addOption(outputOption())
    .action(
      withEnv(io, async ({ options, context }) => {
        const format = parseOutputFormat(options.output as string);
        const query: ListResourcesQuery = {
          capabilityRef: options.capability as string[] | undefined,
          owner: options.owner as string[] | undefined,
          component: options.component as string[] | undefined,
          phase: parsePhases(options.phase as string[] | undefined),
          environment: options.environment as string[] | undefined,
          text: options.text as string | undefined,
          limit: parseLimit(options.limit as string | undefined),
          orderBy: options.sort as ListResourcesQuery['orderBy'],
          includeDeleted: options.includeDeleted ? true : undefined,
        };
        const ctx = await context();
        const items: PlatformResource[] = [];
        let page = await ctx.client.listResources(query, ctx.call());
        items.push(...page.items);
        while (options.all && page.nextCursor) {
          page = await ctx.client.listResources(
            { ...query, cursor: page.nextCursor },
            ctx.call(),
          );
          items.push(...page.items);
        }
        io.stdout(
          formatOutput(
            format,
            {
              items,
              totalCount: page.totalCount,
              ...(page.nextCursor && !options.all
                ? { nextCursor: page.nextCursor }
                : {}),
            },
            () => {
              if (items.length === 0) return 'No resources.';
              const more =
                page.totalCount > items.length
                  ? `\n(${items.length} of ${page.totalCount}${
                      page.totalCountCapped ? '+' : ''
                    }; --all for every page)`
                  : '';
              return `${resourceTable(items)}${more}`;
            },
          ),
        );
      }),
    );

  lookupOptions(
    program
      .command('history')
      .description('The append-only history of a resource')
      .argument('<resource>', 'its id, or its name')
      .addOption(outputOption()),
  ).action(
    withEnv(io, async ({ options, context }, idOrName: string) => {
      const format = parseOutputFormat(options.output as string);
      const ctx = await context();
      const resource = await resolveResource(ctx, idOrName, {
        capability: options.capability as string | undefined,
        environment: options.environment as string | undefined,
      });
      const events = await ctx.client.getResourceHistory(
        resource.id,
        ctx.call(),
      );
      io.stdout(
        formatOutput(format, events, () =>
          events.length === 0 ? 'No history.' : historyTable(events),
        ),
      );
    }),
  );

  lookupOptions(
    program
      .command('delete')
      .description('Delete a resource (asks first; --yes to skip the question)')
      .argument('<resource>', 'its id, or its name')
      .option('-y, --yes', 'do not ask for confirmation')
      .addOption(outputOption()),
  ).action(
    withEnv(io, async ({ options, context }, idOrName: string) => {
      const format = parseOutputFormat(options.output as string);
      if (!options.yes && !io.confirm) {
        throw usageError(
          `delete: not asking without a terminal; pass --yes to delete ${idOrName}`,
        );
      }
      const ctx = await context();
      const resource = await resolveResource(ctx, idOrName, {
        capability: options.capability as string | undefined,
        environment: options.environment as string | undefined,
      });
      if (!options.yes) {
        const sure = await io.confirm!(
          `Delete ${resource.name} (${resource.capabilityRef}, ${resource.environment}, ${resource.id})?`,
        );
        if (!sure) {
          throw new CliError('Not deleted.', EXIT.error);
        }
      }
      const answer = await ctx.client.deleteResource(resource.id, ctx.call());
      if (isPendingApproval(answer)) {
        const cr = answer.changeRequest;
        io.stdout(
          formatOutput(
            format,
            answer,
            () => `${resource.name} ${needsApprovalLine(cr)}`,
          ),
        );
        throw new ExitStatus(EXIT.needsApproval);
      }
      const deleted = answer;
      io.stdout(
        formatOutput(
          format,
          deleted,
          () =>
            `${deleted.name} delete requested (${deleted.id}, phase ${deleted.status.phase}); trellis wait ${deleted.id} --for Deleted follows it`,
        ),
      );
    }),
  );

  program
    .command('capabilities')
    .description('What the platform offers; with a ref, its input schema too')
    .argument('[ref]', 'a capability ref, e.g. local:database')
    .addOption(outputOption())
    .action(
      withEnv(io, async ({ options, context }, ref?: string) => {
        const format = parseOutputFormat(options.output as string);
        const ctx = await context();
        if (ref) {
          const capability = await ctx.client.getCapability(ref, ctx.call());
          io.stdout(
            formatOutput(format, capability, () =>
              [
                capabilityTable([capability]),
                '',
                capability.description ?? '',
                'Input schema:',
                JSON.stringify(capability.inputSchema, null, 2),
              ].join('\n'),
            ),
          );
          return;
        }
        const capabilities = await ctx.client.listCapabilities(ctx.call());
        io.stdout(
          formatOutput(format, capabilities, () =>
            capabilities.length === 0
              ? 'No capabilities.'
              : capabilityTable(capabilities),
          ),
        );
      }),
    );
}
