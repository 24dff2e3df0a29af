import { addDays, eachDay, monthOf, quarterOf } from '../rollups/days';
import { coverRange } from './rangeCover';

describe('coverRange', () => {
  it('tiles a range with whole quarters, months, weeks and edge days, exactly once each', () => {
    for (const [from, to] of [
      ['2026-01-01', '2026-12-31'],
      ['2026-02-11', '2026-05-03'],
      ['2026-03-04', '2026-03-08'],
      ['2026-03-02', '2026-03-15'],
      ['2026-08-27', '2026-09-09'],
      ['2026-11-30', '2026-11-30'],
    ]) {
      for (const quarters of [false, true]) {
        const cover = coverRange({ from, to }, { quarters });
        const days: string[] = [];
        for (const q of cover.quarters) {
          for (let d = q; quarterOf(d) === q; d = addDays(d, 1)) days.push(d);
        }
        for (const m of cover.months) {
          for (let d = m; monthOf(d) === m; d = addDays(d, 1)) days.push(d);
        }
        for (const w of cover.weeks) {
          for (let i = 0; i < 7; i++) days.push(addDays(w, i));
        }
        for (const r of cover.days) days.push(...eachDay(r.from, r.to));
        expect(days.sort()).toEqual(eachDay(from, to));
        // Without quarters, the cover has none.
        expect(quarters ? [] : cover.quarters).toEqual([]);
      }
    }
    expect(
      coverRange({ from: '2026-02-11', to: '2026-12-31' }, { quarters: true })
        .quarters,
    ).toEqual(['2026-04-01', '2026-07-01', '2026-10-01']);
  });
});
