/*
 * What the MCP layer costs an agent: the same read and the same create,
 * one after another, straight through the platform API and as MCP tool calls
 * (the MCP SDK's client -> /api/mcp-actions/v1 -> Backstage's actions
 * service, which lists the plugin sources' actions and invokes the chosen
 * one over HTTP -> the platform's action, which calls the platform service
 * in-process). Sequential on purpose: an agent waits for each answer.
 *
 * Settings (environment): BENCH_DATABASE=sqlite|postgres,
 * BENCH_AUTH=user|service, BENCH_CALLS (per operation, default 200, max
 * 2000), BENCH_WARMUP_CALLS (default 20).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { performance } from 'node:perf_hooks';
import { BENCH_ENGINE_ID, BENCH_USER_TEAMS, describeRun } from './backend';
import { BenchBackendProcess, spawnBenchBackend } from './backendProcess';
import { startTimeLimit } from './resources';
import { intSetting, ms, printTable, summarize } from './stats';

const CALLS = intSetting('BENCH_CALLS', 200, 1, 2000);
const WARMUP = intSetting('BENCH_WARMUP_CALLS', 20, 0, 200);
const runId = Date.now().toString(36);
let counter = 0;

function createBody() {
  const n = counter++;
  return {
    capabilityRef: `${BENCH_ENGINE_ID}:database`,
    name: `mcp-${runId}-${n.toString(36)}`,
    environment: 'dev',
    owner: BENCH_USER_TEAMS[n % BENCH_USER_TEAMS.length],
    spec: { size: 'small' },
  };
}

async function time(calls: number, fn: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}

async function direct(backend: BenchBackendProcess, path: string, init = {}) {
  const response = await fetch(`${backend.apiUrl}${path}`, {
    ...init,
    headers: { ...backend.headers, 'content-type': 'application/json' },
  });
  if (!response.ok) {
    throw new Error(`${path}: ${response.status} ${await response.text()}`);
  }
  return response.json();
}

async function tool(client: Client, name: string, args: object) {
  const result = (await client.callTool({
    name,
    arguments: args as Record<string, unknown>,
  })) as { isError?: boolean; content: Array<{ text?: string }> };
  if (result.isError) {
    throw new Error(`${name}: ${result.content[0]?.text}`);
  }
  return (result as any).structuredContent;
}

async function main() {
  process.env.BENCH_MCP = '1';
  const backend = await spawnBenchBackend();
  const clearLimit = startTimeLimit(600, () => backend.abort());
  try {
    console.log(describeRun(backend));
    const client = new Client({ name: 'trellis-bench', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(
        new URL(`${backend.baseUrl}/api/mcp-actions/v1`),
        { requestInit: { headers: backend.headers } },
      ),
    );
    const { tools } = await client.listTools();
    const platformTools = tools.filter(t => t.name.startsWith('platform.'));
    console.log(`${platformTools.length} platform tools listed`);
    const { id } = await direct(backend, '/resources', {
      method: 'POST',
      body: JSON.stringify(createBody()),
    });

    const operations: Array<[string, () => Promise<void>]> = [
      [
        'read: GET /resources/{id}',
        async () => {
          await direct(backend, `/resources/${id}`);
        },
      ],
      [
        'read: platform.get-resource',
        async () => {
          await tool(client, 'platform.get-resource', { id });
        },
      ],
      [
        'create: POST /resources',
        async () => {
          await direct(backend, '/resources', {
            method: 'POST',
            body: JSON.stringify(createBody()),
          });
        },
      ],
      [
        'create: platform.request-resource',
        async () => {
          await tool(client, 'platform.request-resource', createBody());
        },
      ],
      [
        'tools/list',
        async () => {
          await client.listTools();
        },
      ],
    ];
    const rows: string[][] = [];
    for (const [label, fn] of operations) {
      await time(WARMUP, fn);
      const cpuBefore = await backend.cpuMicros();
      const samples = await time(CALLS, fn);
      const cpuMs = ((await backend.cpuMicros()) - cpuBefore) / 1000;
      const s = summarize(samples);
      rows.push([
        label,
        String(s.count),
        ms(s.p50),
        ms(s.p95),
        ms(s.mean),
        ms(cpuMs / s.count),
      ]);
    }
    printTable(
      [
        'operation',
        'calls',
        'p50 ms',
        'p95 ms',
        'mean ms',
        'backend CPU ms/call',
      ],
      rows,
    );
    await client.close();
  } finally {
    clearLimit();
    await backend.stop();
  }
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
