import { addEncoded } from '../metrics/delivery/indexDays';
import { BucketCounts, COARSE } from './bucketCounts';
import {
  addToHistogram,
  bucketOf,
  Histogram,
  percentiles,
  ZERO_BUCKET,
} from './histogram';

const QS = [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1];

function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 16807) % 2147483647;
    return state / 2147483647;
  };
}

/** The coarse bucket a fine one is merged into, as the Map readers did it. */
function coarsened(bucket: number) {
  if (bucket === ZERO_BUCKET) return bucket;
  const key = Math.trunc(bucket / COARSE);
  return key * COARSE + (key >= 0 ? 2 : -2);
}

describe('BucketCounts', () => {
  it('reads the same percentiles as a Map of the same buckets, merged in any order', () => {
    const rnd = random(11);
    // Durations from 0 (the zero bucket) and 1 ms to about a year, in 200
    // parts whose ranges differ, so that merging grows both ends.
    const parts = Array.from({ length: 200 }, (_, p) =>
      Array.from({ length: 1 + Math.floor(rnd() * 40) }, () =>
        rnd() < 0.02 ? 0 : Math.exp(rnd() * 10 + (p % 20)) / 1000,
      ),
    );
    const map: Histogram = new Map();
    const coarseMap: Histogram = new Map();
    for (const part of parts) {
      for (const v of part) {
        addToHistogram(map, bucketOf(v), 1);
        addToHistogram(coarseMap, coarsened(bucketOf(v)), 1);
      }
    }
    const fine = new BucketCounts();
    const coarse = new BucketCounts(true);
    // Added one by one, and merged from per-part histograms in reverse.
    const merged = new BucketCounts();
    const mergedCoarse = new BucketCounts();
    for (const part of [...parts].reverse()) {
      const h = new BucketCounts();
      const c = new BucketCounts(true);
      for (const v of part) {
        fine.add(bucketOf(v), 1);
        coarse.add(bucketOf(v), 1);
        h.add(bucketOf(v), 1);
        c.add(bucketOf(v), 1);
      }
      merged.addAll(h);
      mergedCoarse.addAll(c);
    }
    const want = percentiles(map, QS);
    expect(fine.percentiles(QS)).toEqual(want);
    expect(merged.percentiles(QS)).toEqual(want);
    const wantCoarse = percentiles(coarseMap, QS);
    expect(coarse.percentiles(QS)).toEqual(wantCoarse);
    expect(mergedCoarse.percentiles(QS)).toEqual(wantCoarse);
    const n = parts.flat().length;
    expect([fine.total, merged.total, coarse.total]).toEqual([n, n, n]);
  });

  it('encodes in bucket order, zero bucket first, and reads back what it wrote', () => {
    const read = (text: string | null) => {
      const into = new BucketCounts();
      addEncoded(text, into);
      const seen: [number, number][] = [];
      into.forEach((b, c) => seen.push([b, c]));
      return seen;
    };
    const h = new BucketCounts();
    h.add(500, 2);
    h.add(ZERO_BUCKET, 1);
    h.add(-3, 4);
    h.add(900, 1);
    // The first bucket as it is, then distances; a count only when not 1.
    expect(h.encode()).toBe('-1000000,+999997:4,+503:2,+400');
    const all = [
      [ZERO_BUCKET, 1],
      [-3, 4],
      [500, 2],
      [900, 1],
    ];
    expect(read(h.encode())).toEqual(all);
    // Rows written before: every bucket and count spelled out.
    expect(read('-1000000:1,-3:4,500:2,900:1')).toEqual(all);
    expect(read('-7,-2:3')).toEqual([
      [-7, 1],
      [-2, 3],
    ]);
    expect(read(null)).toEqual([]);
    const seen: [number, number][] = [];
    h.forEach((b, c) => seen.push([b, c]));
    expect(seen).toEqual([
      [ZERO_BUCKET, 1],
      [-3, 4],
      [500, 2],
      [900, 1],
    ]);
    expect(new BucketCounts().encode()).toBeNull();
  });

  it('has no percentile without values; a coarse histogram merged into an empty one stays coarse', () => {
    expect(new BucketCounts().percentiles([0.5, 0.9])).toEqual([null, null]);
    const coarse = new BucketCounts(true);
    coarse.add(401, 1);
    coarse.add(404, 1);
    const sum = new BucketCounts();
    sum.addAll(coarse);
    sum.add(403, 1);
    // All three in the coarse bucket of 400..404, which stands for 402.
    expect(sum.percentiles([1])).toEqual(coarse.percentiles([1]));
    expect(sum.total).toBe(3);
    // Fine into coarse: each bucket merged as if added.
    const fine = new BucketCounts();
    fine.add(399, 2);
    sum.addAll(fine);
    const buckets: number[] = [];
    sum.forEach(b => buckets.push(b));
    expect(buckets).toEqual([coarsened(399), 402]);
  });

  it('ignores what no value could have made, and keeps a damaged bucket at the edge', () => {
    const h = new BucketCounts();
    h.add(Number.NaN, 1);
    h.add(500, Number.NaN);
    h.add(500, -2);
    h.add(1.5, 1);
    expect(h.total).toBe(0);
    h.add(500, 1);
    h.add(1e12, 1);
    expect(h.total).toBe(2);
    const seen: number[] = [];
    h.forEach(b => seen.push(b));
    expect(seen).toEqual([500, 10_000]);
  });
});
