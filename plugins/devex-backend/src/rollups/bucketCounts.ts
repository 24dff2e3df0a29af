/**
 * A log-scale histogram (buckets of ./histogram) kept as counts over a
 * contiguous range of buckets, for sums of many rollup rows.
 *
 * The delivery report over all components merges about 10,000 week rows of
 * 10 to 40 buckets each, into 500 components, 53 weeks and a total; with a
 * `Map` per histogram that was most of the report's JavaScript (a hash
 * lookup and store per bucket, and a sort per percentile read). Here a
 * bucket is an array index, merging two histograms is one loop over a
 * range, and the buckets come out in order.
 *
 * A coarse histogram keeps buckets merged by COARSE (about ±5 %): a
 * component's changes over a range share few fine buckets. Its buckets
 * stand for the fine bucket in their middle, as the percentiles read.
 */
import { percentilesInOrder, ZERO_BUCKET } from './histogram';

/** Fine buckets merged in a coarse histogram (about ±5 %). */
export const COARSE = 5;

const coarseKey = (bucket: number) => Math.trunc(bucket / COARSE);
const fineOf = (key: number) => key * COARSE + (key >= 0 ? 2 : -2);

/**
 * Plain arrays of small integers, not typed arrays: a report makes a
 * thousand of these, and a typed array's memory is outside the JavaScript
 * heap (in the backend, allocating them cost about 10 µs each).
 */
const NONE: number[] = [];
/**
 * Slots on either side of the first range, so that a histogram rarely
 * grows: a component's lead times of a quarter span about 60 coarse
 * buckets, a week's of all components about 500 fine ones.
 */
const SLACK = 32;

const zeros = (size: number): number[] => new Array<number>(size).fill(0);

/**
 * Beyond any duration (γ^10,000 s); a bucket past it can only come from a
 * damaged row, and is counted at the edge rather than grow an array to it.
 */
const FARTHEST = 10_000;

export class BucketCounts {
  /** The bucket (or coarse key) of `counts[0]`. */
  private lo = 0;
  private counts: number[] = NONE;
  /** Values below 1 ms (ZERO_BUCKET). */
  private zero = 0;
  /** The sum of all counts. */
  total = 0;

  /**
   * `coarse`: buckets merged by COARSE. An empty histogram that has never
   * held a count takes the resolution of the first histogram added to it.
   */
  constructor(private coarse = false) {}

  /** Adds `count` values of a fine bucket. */
  add(bucket: number, count: number): void {
    // Not a count, or not a bucket: nothing a value could have made.
    if (!(count > 0) || !Number.isInteger(bucket)) return;
    this.total += count;
    if (bucket === ZERO_BUCKET) {
      this.zero += count;
      return;
    }
    const edge = Math.max(-FARTHEST, Math.min(FARTHEST, bucket));
    const key = this.coarse ? coarseKey(edge) : edge;
    let i = key - this.lo;
    if (i < 0 || i >= this.counts.length) i = this.cover(key, key) + key;
    this.counts[i] += count;
  }

  /** Adds every count of another histogram. */
  addAll(other: BucketCounts): void {
    if (other.total === 0) return;
    if (this.counts === NONE && this.zero === 0) this.coarse = other.coarse;
    if (this.coarse !== other.coarse) {
      other.forEach((bucket, count) => this.add(bucket, count));
      return;
    }
    this.total += other.total;
    this.zero += other.zero;
    const from = other.counts;
    if (from.length === 0) return;
    const first = other.lo;
    const shift = this.cover(first, first + from.length - 1) + first;
    const into = this.counts;
    for (let i = 0; i < from.length; i++) into[shift + i] += from[i];
  }

  /** The fine buckets with their counts, in bucket order (the zero bucket first). */
  forEach(fn: (bucket: number, count: number) => void): void {
    if (this.zero > 0) fn(ZERO_BUCKET, this.zero);
    const { counts, lo } = this;
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i];
      if (c > 0) fn(this.coarse ? fineOf(lo + i) : lo + i, c);
    }
  }

  /**
   * As stored, in bucket order; null when empty. Entries are comma
   * separated: the first bucket as it is, each next one as '+' and its
   * distance from the one before, and ':count' unless the count is 1
   * ('484,+16:2,+1' is buckets 484, 500 twice and 501). A week's lead times
   * of a component are mostly single values a few buckets apart: about half
   * the length of 'bucket:count' each, which the report of all components
   * reads, moves and parses ten thousand times.
   */
  encode(): string | null {
    if (this.total === 0) return null;
    let out = '';
    let previous: number | undefined;
    this.forEach((bucket, count) => {
      if (previous !== undefined) out += `,+${bucket - previous}`;
      else out += `${bucket}`;
      if (count !== 1) out += `:${count}`;
      previous = bucket;
    });
    return out;
  }

  /**
   * Nearest-rank percentiles (`qs` ascending, 0 < q ≤ 1), as
   * ./histogram's `percentiles`: the smallest bucket value with at least
   * ⌈q·n⌉ values at or below it, rounded to milliseconds; null when empty.
   */
  percentiles(qs: number[]): (number | null)[] {
    return percentilesInOrder(this.total, qs, take => this.forEach(take));
  }

  /**
   * Grows the range to hold keys `from`..`to`; the offset of key 0 in
   * `counts` (index = key + offset).
   */
  private cover(from: number, to: number): number {
    const counts = this.counts;
    if (counts.length === 0) {
      this.lo = from - SLACK;
      this.counts = zeros(to - from + 1 + 2 * SLACK);
      return -this.lo;
    }
    const hi = this.lo + counts.length - 1;
    if (from >= this.lo && to <= hi) return -this.lo;
    // At least double, so that a histogram grown a bucket at a time copies
    // its counts a logarithmic number of times.
    const lo = Math.min(from, this.lo);
    const top = Math.max(to, hi);
    const size = Math.max(top - lo + 1 + 2 * SLACK, 2 * counts.length);
    const newLo =
      from < this.lo ? top + SLACK + 1 - size : Math.min(lo, this.lo);
    const grown = zeros(size);
    const at = this.lo - newLo;
    for (let i = 0; i < counts.length; i++) grown[at + i] = counts[i];
    this.lo = newLo;
    this.counts = grown;
    return -newLo;
  }
}
