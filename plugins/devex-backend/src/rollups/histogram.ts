/**
 * Mergeable log-scale histograms for duration percentiles.
 *
 * A value v > 0 goes to bucket i = ceil(log(v) / log(γ)) with
 * γ = (1 + α) / (1 − α) and α = 1 %; the bucket stands for
 * 2·γ^i / (γ + 1). Every value in a bucket is within α of that
 * representative, so a percentile read from merged buckets is within 1 % of
 * the exact nearest-rank percentile of the values (relative error, any
 * distribution). Buckets of different days and teams merge by adding counts,
 * which is what lets dashboards read percentiles from daily rollups.
 * Values below 1 ms (and 0) share one bucket that stands for 0.
 */
export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
const SMALLEST = 0.001;
/** The bucket of values below 1 ms. */
export const ZERO_BUCKET = -1_000_000;

export function bucketOf(value: number): number {
  if (!(value >= SMALLEST)) return ZERO_BUCKET;
  return Math.ceil(Math.log(value) / LOG_GAMMA);
}

export function bucketValue(bucket: number): number {
  if (bucket === ZERO_BUCKET) return 0;
  return (2 * Math.pow(GAMMA, bucket)) / (GAMMA + 1);
}

/** Bucket → count, merged from any number of rollup rows. */
export type Histogram = Map<number, number>;

export function addToHistogram(
  histogram: Histogram,
  bucket: number,
  count: number,
): void {
  histogram.set(bucket, (histogram.get(bucket) ?? 0) + count);
}

/**
 * The nearest-rank percentile q (0 < q ≤ 1) of the merged values: the
 * smallest value with at least ⌈q·n⌉ values at or below it. Rounded to
 * milliseconds; null when empty.
 */
export function percentile(histogram: Histogram, q: number): number | null {
  return percentiles(histogram, [q])[0];
}

/**
 * Several nearest-rank percentiles of one histogram (`qs` ascending), its
 * buckets sorted once: a report of 500 components reads four a component.
 */
export function percentiles(
  histogram: Histogram,
  qs: number[],
): (number | null)[] {
  let total = 0;
  for (const count of histogram.values()) total += count;
  const buckets = [...histogram.keys()].sort((a, b) => a - b);
  return percentilesInOrder(total, qs, take => {
    for (const bucket of buckets) take(bucket, histogram.get(bucket) ?? 0);
  });
}

/**
 * The nearest-rank percentiles `qs` (ascending) of `total` values whose
 * buckets `visit` hands to `take` in ascending bucket order: what
 * `percentiles` reads from a Map and BucketCounts from its arrays.
 */
export function percentilesInOrder(
  total: number,
  qs: number[],
  visit: (take: (bucket: number, count: number) => void) => void,
): (number | null)[] {
  const out: (number | null)[] = qs.map(() => null);
  if (total <= 0) return out;
  const ranks = qs.map(q => Math.max(1, Math.ceil(q * total)));
  let seen = 0;
  let k = 0;
  visit((bucket, count) => {
    if (k === qs.length) return;
    seen += count;
    while (k < qs.length && seen >= ranks[k]) {
      out[k++] = Math.round(bucketValue(bucket) * 1000) / 1000;
    }
  });
  return out;
}
