import {
  computeGoldenPathStats,
  median,
  parseIsoDuration,
  platformActionsOf,
} from './goldenPaths';
import {
  otherTemplate,
  platformTemplate,
  task,
} from '../../__testUtils__/templates';

describe('golden path statistics', () => {
  it('parses ISO 8601 durations', () => {
    expect(parseIsoDuration('PT2H')).toBe(2 * 3600_000);
    expect(parseIsoDuration('P1DT30M')).toBe(24 * 3600_000 + 30 * 60_000);
    expect(parseIsoDuration('PT1.5S')).toBe(1500);
    expect(parseIsoDuration('P2W')).toBe(14 * 24 * 3600_000);
    expect(parseIsoDuration('pt10m')).toBe(600_000);
    expect(parseIsoDuration('2 hours')).toBeUndefined();
    expect(parseIsoDuration('P')).toBeUndefined();
    expect(parseIsoDuration('PT')).toBeUndefined();
    expect(parseIsoDuration(undefined)).toBeUndefined();
  });

  it('finds the platform actions of a template', () => {
    expect(platformActionsOf(platformTemplate)).toEqual([
      'platform:resource:request',
      'platform:resource:wait',
    ]);
    expect(platformActionsOf(otherTemplate)).toEqual([]);
  });

  it('takes the median', () => {
    expect(median([])).toBeUndefined();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });

  it('computes runs, success rate, median duration and time saved', () => {
    const [stats] = computeGoldenPathStats(
      [platformTemplate],
      [
        task('completed', 60),
        task('completed', 120),
        task('completed', 180),
        task('failed', 30),
        task('processing', undefined),
        task('completed', 10, 'template:default/docs-site'),
      ],
    );
    expect(stats.runs).toBe(5);
    expect(stats.completed).toBe(3);
    expect(stats.failed).toBe(1);
    expect(stats.successRate).toBe(0.75);
    expect(stats.medianDurationMs).toBe(90_000);
    expect(stats.timeSavedMs).toBe(3 * 2 * 3600_000);
  });

  it('has no rates before anything finished', () => {
    const [stats] = computeGoldenPathStats([otherTemplate], []);
    expect(stats.runs).toBe(0);
    expect(stats.successRate).toBeUndefined();
    expect(stats.medianDurationMs).toBeUndefined();
    expect(stats.timeSavedMs).toBeUndefined();
  });
});
