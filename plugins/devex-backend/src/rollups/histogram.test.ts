import {
  addToHistogram,
  bucketOf,
  Histogram,
  percentile,
  RELATIVE_ACCURACY,
} from './histogram';

function exact(values: number[], q: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

describe('log-scale histograms', () => {
  it('reads nearest-rank percentiles within 1 % of the exact ones, merged across days', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    // Long-tailed durations from 0.01 s to ~3 days, split over 30 "days".
    const values = Array.from(
      { length: 5000 },
      () => Math.exp(rnd() * 12) / 100,
    );
    const days: Histogram[] = Array.from({ length: 30 }, () => new Map());
    values.forEach((v, i) => addToHistogram(days[i % 30], bucketOf(v), 1));
    const merged: Histogram = new Map();
    for (const day of days) {
      for (const [bucket, count] of day) addToHistogram(merged, bucket, count);
    }
    for (const q of [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1]) {
      const want = exact(values, q);
      const got = percentile(merged, q)!;
      expect(Math.abs(got - want) / want).toBeLessThanOrEqual(
        RELATIVE_ACCURACY + 1e-3,
      );
    }
  });

  it('has no percentile without values, and counts 0 as 0', () => {
    expect(percentile(new Map(), 0.5)).toBeNull();
    const zeros: Histogram = new Map();
    addToHistogram(zeros, bucketOf(0), 3);
    expect(percentile(zeros, 0.5)).toBe(0);
  });
});
