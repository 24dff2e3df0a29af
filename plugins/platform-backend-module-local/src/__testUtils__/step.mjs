// A pipeline step for the engine's tests. What it does comes from the
// request's spec (read from the input file, like every real step):
//   message        echoed back as the output `echo`
//   failWith       fail with this message
//   permanent      with failWith: say that retrying cannot help (retryable: false)
//   failRuns       fail this many runs before succeeding
//   blockFirstRun  hang on the first configure run, until the engine kills it
//   failDelete     make the delete step fail
//   sleepMs        take this long
// Each run appends a line to <data dir>/<namespace>-<name>.runs.
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

const action = process.argv[2];
const object = parse(readFileSync(process.env.KRATIX_INPUT_FILE, 'utf8'));
const { spec = {}, metadata } = object;
const runsFile = join(
  process.env.TRELLIS_CAPABILITY_DATA_DIR,
  `${metadata.namespace}-${metadata.name}.runs`,
);
const previousRuns = existsSync(runsFile)
  ? readFileSync(runsFile, 'utf8')
      .split('\n')
      .filter(l => l.startsWith(`${action} `)).length
  : 0;
const version = process.env.TRELLIS_CAPABILITY_VERSION;
appendFileSync(runsFile, `${action} start ${metadata.generation} ${version}\n`);

const statusFile = join(process.env.KRATIX_METADATA_DIR, 'status.yaml');
const fail = (message, retryable = true) => {
  writeFileSync(
    statusFile,
    stringify(retryable ? { message } : { message, retryable: false }),
  );
  console.error(message);
  process.exit(3);
};
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

console.log(
  `${action} ${metadata.namespace}/${metadata.name} generation ${metadata.generation} at ${version}`,
);
if (action === 'configure' && spec.blockFirstRun && previousRuns === 0) {
  await sleep(60_000);
}
if (spec.sleepMs) {
  await sleep(spec.sleepMs);
}
if (action === 'delete') {
  if (spec.failDelete) fail('The delete step refused');
} else {
  if (spec.failWith) fail(spec.failWith, !spec.permanent);
  if (previousRuns < (spec.failRuns ?? 0))
    fail(`Failing run ${previousRuns + 1}`);
  mkdirSync(process.env.KRATIX_OUTPUT_DIR, { recursive: true });
  writeFileSync(
    join(process.env.KRATIX_OUTPUT_DIR, 'result.yaml'),
    stringify({ kind: 'Result', spec }),
  );
  writeFileSync(
    statusFile,
    stringify({
      message: `Configured generation ${metadata.generation}`,
      echo: spec.message ?? '',
      version,
      generation: metadata.generation,
    }),
  );
}
appendFileSync(runsFile, `${action} end ${metadata.generation} ${version}\n`);
