/*
 * The trellis command, measured as a user runs it (spawned processes) against
 * the benchmark backend (bench/platform-api/backend.ts: real auth with a
 * guest user token, the permission backend with Trellis's policy, the signals
 * backend, an in-memory engine):
 *
 * - change → `trellis watch` line: the time from an engine reporting a phase
 *   change (`InMemoryEngine.report`, as a Kubernetes watch event would) and
 *   from a spec PATCH being sent by another client, to the watch printing the
 *   line. In between: the platform's observer, the signals backend's
 *   WebSocket push, and the CLI's read of the resource through the API.
 * - command wall time: `trellis get <id>` and `trellis apply -f` (unchanged)
 *   from spawn to exit, which includes Node's start and, inside the
 *   repository, the TypeScript transform of the sources.
 *
 * Settings (environment): BENCH_DATABASE=sqlite|postgres, BENCH_CHANGES
 * (default 40 of each kind), BENCH_RUNS (default 10 per command).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  BENCH_ENGINE_ID,
  BENCH_CAPABILITIES,
  BENCH_USER_TEAMS,
  describeRun,
  startBenchBackend,
} from '../platform-api/backend';
import { startTimeLimit } from '../platform-api/resources';
import { intSetting, ms, printTable, summarize } from '../platform-api/stats';

const CHANGES = intSetting('BENCH_CHANGES', 40, 5, 500);
const RUNS = intSetting('BENCH_RUNS', 10, 1, 100);
const BIN = resolve(__dirname, '../../plugins/platform-cli/bin/trellis');
const LINE_TIMEOUT_MS = 10_000;

function run(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      stdio: 'ignore',
    });
    child.on('error', fail);
    child.on('close', code =>
      code === 0
        ? done(performance.now() - started)
        : fail(new Error(`trellis ${args.join(' ')} exited ${code}`)),
    );
  });
}

/** A running `trellis watch` and the lines it printed, with their times. */
function watch(id: string, env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'watch', id], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Array<{ text: string; at: number }> = [];
  let buffer = '';
  child.stdout!.on('data', chunk => {
    buffer += chunk;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      lines.push({ text: buffer.slice(0, i), at: performance.now() });
      buffer = buffer.slice(i + 1);
    }
  });
  const next = async (match: RegExp, from: number) => {
    const deadline = performance.now() + LINE_TIMEOUT_MS;
    for (;;) {
      const line = lines.slice(from).find(l => match.test(l.text));
      if (line) return line;
      if (performance.now() > deadline) {
        throw new Error(`no watch line matching ${match}`);
      }
      await new Promise(r => setTimeout(r, 1));
    }
  };
  return { lines, next, stop: () => child.kill('SIGTERM') };
}

async function main() {
  const backend = await startBenchBackend();
  const stopLimit = startTimeLimit(600, () => backend.abort());
  const token = backend.headers.authorization.replace(/^Bearer /, '');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TRELLIS_URL: backend.baseUrl,
    TRELLIS_TOKEN: token,
  };
  try {
    console.log(describeRun(backend));
    const request = {
      capabilityRef: `${BENCH_ENGINE_ID}:${BENCH_CAPABILITIES[0]}`,
      name: `cli-bench-${process.pid}`,
      environment: 'dev',
      owner: BENCH_USER_TEAMS[0],
      spec: { size: 'small' },
    };
    const file = join(backend.logFile, '..', 'request.json');
    writeFileSync(file, JSON.stringify(request));
    await run(['apply', '-f', file], env);
    const listed = await fetch(
      `${backend.apiUrl}/resources?text=${request.name}`,
      { headers: backend.headers },
    ).then(r => r.json());
    const id: string = listed.items[0].id;

    const watcher = watch(id, env);
    await watcher.next(/Ready/, 0);

    const engineChange: number[] = [];
    const specChange: number[] = [];
    let generation = 1;
    for (let i = 0; i < CHANGES; i++) {
      // The engine reports a problem, then recovers.
      let from = watcher.lines.length;
      let at = performance.now();
      backend.engine.report(id, { phase: 'Degraded', message: `probe ${i}` });
      engineChange.push((await watcher.next(/Degraded/, from)).at - at);
      from = watcher.lines.length;
      backend.engine.report(id, { phase: 'Ready', message: `ok ${i}` });
      await watcher.next(new RegExp(`Ready .*ok ${i}( |$)`), from);

      // Another client changes the spec.
      from = watcher.lines.length;
      at = performance.now();
      const response = await fetch(`${backend.apiUrl}/resources/${id}`, {
        method: 'PATCH',
        headers: { ...backend.headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          spec: { size: i % 2 ? 'small' : 'large' },
          generation,
        }),
      });
      if (!response.ok) throw new Error(`PATCH: ${response.status}`);
      generation += 1;
      specChange.push(
        (await watcher.next(new RegExp(`generation \\d+/${generation}`), from))
          .at - at,
      );
      await watcher.next(
        new RegExp(`Ready +generation ${generation}/${generation}`),
        from,
      );
    }
    watcher.stop();

    const get: number[] = [];
    const apply: number[] = [];
    writeFileSync(
      file,
      JSON.stringify({
        ...request,
        spec: { size: generation % 2 ? 'large' : 'small' },
      }),
    );
    for (let i = 0; i < RUNS; i++) {
      get.push(await run(['get', id], env));
      apply.push(await run(['apply', '-f', file], env));
    }

    const row = (label: string, samples: number[]) => {
      const s = summarize(samples);
      return [label, String(s.count), ms(s.p50), ms(s.p95), ms(s.max)];
    };
    printTable(
      ['measured', 'n', 'p50', 'p95', 'max'],
      [
        row('engine change → watch line', engineChange),
        row('PATCH sent → watch line', specChange),
        row('trellis get (spawn to exit)', get),
        row('trellis apply, unchanged (spawn to exit)', apply),
      ],
    );
  } finally {
    stopLimit();
    await backend.stop();
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
