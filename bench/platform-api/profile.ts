/*
 * Summarizes a V8 CPU profile (a .cpuprofile from `node --cpu-prof`, or the
 * one create.ts writes with BENCH_CPU_PROF): the functions with the most self
 * time, the same grouped by package (or by source file for the repository's
 * own code), and the functions with the most inclusive time (self plus
 * callees, each sample counted once per function on its stack).
 *
 *   node --require ./node_modules/@backstage/cli/config/nodeTransform.cjs \
 *     bench/platform-api/profile.ts <file.cpuprofile> [top=25]
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: {
    functionName: string;
    url: string;
    lineNumber: number;
  };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = path.resolve(__dirname, '../..');

/** Where a frame's code lives: a package, or a file of this repository. */
function areaOf(url: string, functionName: string): string {
  if (!url) {
    return functionName.startsWith('(') ? functionName : '(native)';
  }
  const file = url.replace(/^file:\/\//, '');
  const modules = file.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = file.slice(modules + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (file.startsWith('node:')) return file;
  if (file.startsWith(ROOT)) return path.relative(ROOT, file);
  return file;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${areaOf(url, functionName)}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

function top(map: Map<string, number>, n: number) {
  return [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
}

function main() {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    throw new Error('usage: profile.ts <file.cpuprofile> [top]');
  }
  const n = Number(topArg ?? 25);
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map(node => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }

  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    const node = byId.get(id)!;
    total += micros;
    if (node.callFrame.functionName === '(idle)') {
      idle += micros;
      return;
    }
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + micros);
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; ) {
      const frame = byId.get(at)!;
      const frameKey = frameName(frame);
      if (frame.callFrame.functionName !== '(root)' && !seen.has(frameKey)) {
        seen.add(frameKey);
        inclusive.set(frameKey, (inclusive.get(frameKey) ?? 0) + micros);
      }
      at = parent.get(at);
    }
  });
  const busy = total - idle;
  const pct = (micros: number) => `${((100 * micros) / busy).toFixed(1)} %`;
  const msOf = (micros: number) => (micros / 1000).toFixed(0);

  console.log(
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(
      1,
    )} s busy (${((100 * busy) / total).toFixed(
      0,
    )} %); shares are of busy time\n`,
  );
  const table = (title: string, rows: Array<[string, number]>) => {
    console.log(`| ${title} | ms | share |`);
    console.log('|---|---:|---:|');
    for (const [name, micros] of rows) {
      console.log(
        `| ${name.replace(/\|/g, '\\|')} | ${msOf(micros)} | ${pct(micros)} |`,
      );
    }
    console.log('');
  };
  table('self time, by function', top(self, n));
  table('self time, by package or file', top(areas, n));
  table('inclusive time, by function', top(inclusive, n));
}

main();
