/** The push-latency tables: p50 / p95 per hop and target, reads per change. */
import { ms, printTable, summarize } from '../platform-api/stats';
import { Mode, Sample } from './measure';

export function report(modes: Mode[]) {
  const pct = (values: number[]) => {
    const s = summarize(values.filter(v => Number.isFinite(v)));
    return `${ms(s.p50)} / ${ms(s.p95)}`;
  };
  const col = (pick: (s: Sample) => number) =>
    modes.map(m => pct(m.samples.map(pick)));
  const headers = [
    'p50 / p95 ms (from PATCH sent)',
    ...modes.map(m => m.target.name),
  ];
  console.log('\nAPI change (PATCH of the spec) → visible:');
  printTable(headers, [
    ['PATCH answered', ...col(s => s.patchAnswered)],
    ['plain fetch returns the new spec', ...col(s => s.apiFetch)],
    ['first signal at the browser', ...col(s => s.firstSignal)],
    ['signal before the read that showed it', ...col(s => s.apiSignal)],
    ['page read of the resource started', ...col(s => s.apiReadStart)],
    ['page read of the resource answered', ...col(s => s.apiReadEnd)],
    ['DOM shows the new spec', ...col(s => s.apiDom)],
    ['painted (next frame)', ...col(s => s.apiPainted)],
    ['painted − plain fetch', ...col(s => s.apiPainted - s.apiFetch)],
    [
      'ratio painted / plain fetch',
      ...modes.map(m =>
        ratio(
          m,
          s => s.apiPainted,
          s => s.apiFetch,
        ),
      ),
    ],
  ]);
  console.log(
    '\nEngine change (the engine reports Ready at the new generation) → visible:',
  );
  printTable(headers, [
    ['plain fetch returns Ready', ...col(s => s.engineFetch)],
    ['signal before the read that showed it', ...col(s => s.engineSignal)],
    ['page read of the resource started', ...col(s => s.engineReadStart)],
    ['page read of the resource answered', ...col(s => s.engineReadEnd)],
    ['DOM shows Ready', ...col(s => s.engineDom)],
    ['painted (next frame)', ...col(s => s.enginePainted)],
    ['painted − plain fetch', ...col(s => s.enginePainted - s.engineFetch)],
    [
      'ratio painted / plain fetch',
      ...modes.map(m =>
        ratio(
          m,
          s => s.enginePainted,
          s => s.engineFetch,
        ),
      ),
    ],
  ]);
  console.log(
    '\nSignals and platform API reads by the page per change (mean):',
  );
  const kinds = [
    ...new Set(
      modes.flatMap(m => m.samples.flatMap(s => Object.keys(s.reads))),
    ),
  ].sort();
  printTable(
    ['read', ...modes.map(m => m.target.name)],
    [
      [
        'signals until Ready shown',
        ...modes.map(m =>
          (
            m.samples.reduce((t, s) => t + s.signals, 0) /
            Math.max(1, m.samples.length)
          ).toFixed(1),
        ),
      ],
    ].concat(
      kinds.map(kind => [
        kind,
        ...modes.map(m =>
          (
            m.samples.reduce((t, s) => t + (s.reads[kind] ?? 0), 0) /
            Math.max(1, m.samples.length)
          ).toFixed(1),
        ),
      ]),
    ),
  );
}

/** p50 / p95 of the per-change ratio. */
function ratio(mode: Mode, a: (s: Sample) => number, b: (s: Sample) => number) {
  const s = summarize(mode.samples.map(x => a(x) / b(x)));
  return `${s.p50.toFixed(2)} / ${s.p95.toFixed(2)}`;
}
