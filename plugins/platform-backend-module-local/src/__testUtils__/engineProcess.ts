/*
 * A local engine in a process of its own, for tests that kill it with
 * SIGKILL: `node --require @backstage/cli/config/nodeTransform.cjs
 * engineProcess.ts <capabilitiesDir> <stateDir> <desired resource JSON>`.
 * It applies the resource, prints "applied" and runs until it is killed.
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import { LocalEngine } from '../engine/LocalEngine';

const logger: LoggerService = {
  error: message => process.stderr.write(`error: ${message}\n`),
  warn: message => process.stderr.write(`warn: ${message}\n`),
  info: () => {},
  debug: () => {},
  child: () => logger,
};

async function main() {
  const [capabilitiesDir, stateDir, desired] = process.argv.slice(2);
  const engine = await LocalEngine.create({
    capabilitiesDir,
    stateDir,
    logger,
    retries: { limit: 0 },
    watchCapabilities: false,
  });
  await engine.start();
  await engine.apply(JSON.parse(desired));
  process.stdout.write('applied\n');
  setInterval(() => {}, 60_000); // until killed
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
