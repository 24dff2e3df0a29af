import { Command } from 'commander';
import { outputOption, withEnv } from '../commandEnv';
import { usageError } from '../exitCodes';
import { CliIo } from '../io';
import { formatOutput, parseOutputFormat } from '../output';
import { rolloutDetail, rolloutTable } from '../present';

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  value,
];

function wholeNumber(value: string | undefined, flag: string, min: number) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw usageError(
      `${flag}: must be a whole number of at least ${min} (got "${value}")`,
    );
  }
  return n;
}

export function registerRolloutCommands(program: Command, io: CliIo) {
  const rollout = program
    .command('rollout')
    .description("Day-2 upgrades of a capability's instances, in waves");

  rollout
    .command('list')
    .alias('ls')
    .description('List rollouts')
    .option('--capability <ref>', 'only rollouts of this capability')
    .addOption(outputOption())
    .action(
      withEnv(io, async ({ options, context }) => {
        const format = parseOutputFormat(options.output as string);
        const ctx = await context();
        const rollouts = await ctx.client.listRollouts(
          { capabilityRef: options.capability as string | undefined },
          ctx.call(),
        );
        io.stdout(
          formatOutput(format, rollouts, () =>
            rollouts.length === 0 ? 'No rollouts.' : rolloutTable(rollouts),
          ),
        );
      }),
    );

  rollout
    .command('get')
    .description('Show a rollout and the progress of each instance')
    .argument('<id>', 'the rollout id')
    .addOption(outputOption())
    .action(
      withEnv(io, async ({ options, context }, id: string) => {
        const format = parseOutputFormat(options.output as string);
        const ctx = await context();
        const found = await ctx.client.getRollout(id, ctx.call());
        io.stdout(formatOutput(format, found, () => rolloutDetail(found)));
      }),
    );

  rollout
    .command('start')
    .description(
      'Upgrade every instance of a capability to a version, in waves',
    )
    .requiredOption('--capability <ref>', 'the capability, e.g. local:database')
    .requiredOption('--to <version>', 'the target version')
    .option('--wave-size <n>', 'instances per wave (default 5)')
    .option('--pause-seconds <n>', 'seconds between waves (default 0)')
    .option(
      '-e, --environment <name>',
      'only this environment (repeatable)',
      collect,
    )
    .addOption(outputOption())
    .action(
      withEnv(io, async ({ options, context }) => {
        const format = parseOutputFormat(options.output as string);
        const request = {
          capabilityRef: options.capability as string,
          targetVersion: options.to as string,
          waveSize: wholeNumber(
            options.waveSize as string | undefined,
            '--wave-size',
            1,
          ),
          pauseSeconds: wholeNumber(
            options.pauseSeconds as string | undefined,
            '--pause-seconds',
            0,
          ),
          environments: options.environment as string[] | undefined,
        };
        const ctx = await context();
        const started = await ctx.client.createRollout(request, ctx.call());
        io.stdout(
          formatOutput(
            format,
            started,
            () =>
              `rollout ${started.id} started: ${started.capabilityRef} to ${started.targetVersion}, ${started.items.length} instances in ${started.waveCount} waves`,
          ),
        );
      }),
    );

  for (const [name, verb] of [
    ['pause', 'paused'],
    ['resume', 'resumed'],
  ] as const) {
    rollout
      .command(name)
      .description(`${name === 'pause' ? 'Pause' : 'Resume'} a rollout`)
      .argument('<id>', 'the rollout id')
      .addOption(outputOption())
      .action(
        withEnv(io, async ({ options, context }, id: string) => {
          const format = parseOutputFormat(options.output as string);
          const ctx = await context();
          const changed =
            name === 'pause'
              ? await ctx.client.pauseRollout(id, ctx.call())
              : await ctx.client.resumeRollout(id, ctx.call());
          io.stdout(
            formatOutput(
              format,
              changed,
              () => `rollout ${changed.id} ${verb} (status ${changed.status})`,
            ),
          );
        }),
      );
  }
}
