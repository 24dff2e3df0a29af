import { GoldenPathsReport } from '@trellis/backstage-plugin-devex-common';
import {
  goldenPathStats,
  parseIsoDuration,
  platformActionsOf,
} from './goldenPaths';
import { otherTemplate, platformTemplate } from '../../__testUtils__/templates';

const emptyReport: GoldenPathsReport = {
  query: { from: '2026-09-03', to: '2026-12-01' },
  totals: {
    runs: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    successRate: null,
    medianDurationSeconds: null,
    p90DurationSeconds: null,
    timeSavedSeconds: 0,
  },
  series: [],
  templates: [],
  byTeam: [],
  topFailures: [],
  sources: [],
};

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

  it('takes runs, success rate, median duration and time saved from the DevEx figures', () => {
    const [stats, other] = goldenPathStats([platformTemplate, otherTemplate], {
      ...emptyReport,
      templates: [
        {
          templateRef: 'template:default/Request-Local-PostgreSQL',
          runs: 5,
          completed: 3,
          failed: 1,
          cancelled: 1,
          successRate: 0.75,
          medianDurationSeconds: 90,
          p90DurationSeconds: 170,
          timeSavedSeconds: 3 * 2 * 3600,
          topFailures: [],
        },
      ],
    });
    expect(stats).toMatchObject({
      runs: 5,
      completed: 3,
      failed: 1,
      cancelled: 1,
      successRate: 0.75,
      medianDurationMs: 90_000,
      timeSavedPerRunMs: 2 * 3600_000,
      timeSavedMs: 3 * 2 * 3600_000,
    });
    // No runs in the range: zero runs, no rates, and no time saved without the annotation.
    expect(other).toMatchObject({ runs: 0, completed: 0 });
    expect(other.successRate).toBeUndefined();
    expect(other.medianDurationMs).toBeUndefined();
    expect(other.timeSavedMs).toBeUndefined();
  });
});
