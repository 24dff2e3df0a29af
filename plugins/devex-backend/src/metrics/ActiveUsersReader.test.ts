import { TestDatabases } from '@backstage/backend-test-utils';
import { DevexFact } from '@trellis/backstage-plugin-devex-common';
import {
  createTestStore,
  org,
  testDatabaseIds,
} from '../__testUtils__/testStore';
import { addDays, eachDay, monthOf, weekOf } from '../rollups/days';
import { ActiveUsersReader } from './ActiveUsersReader';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: testDatabaseIds() });

describe.each(databases.eachSupportedId())(
  'ActiveUsersReader on %p',
  databaseId => {
    it('answers every distinct-user question (cohorts too) as a count over the raw activity would', async () => {
      const knex = await databases.init(databaseId);
      const { db, store, directory } = await createTestStore(knex);
      const teams = { a: ['u0', 'u1', 'u2', 'u3'], b: ['u4', 'u5', 'u6'] };
      await directory.sync(org(teams), new Date('2026-01-01T00:00:00Z'));
      let seed = 7;
      const rnd = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      const plugins = ['catalog', 'scaffolder', 'devex'];
      const facts: DevexFact[] = [];
      for (let i = 0; i < 700; i++) {
        // Users start at different times, so that first-seen days vary.
        const user = Math.floor(rnd() * 8); // u7 has no team
        const start =
          Date.parse('2026-03-01T00:00:00Z') + user * 9 * 86_400_000;
        facts.push({
          sourceId: `activity:${i}`,
          kind: 'activity',
          time: new Date(
            start + Math.floor(rnd() * 120 * 86_400_000),
          ).toISOString(),
          actor: `user:default/u${user}`,
          attributes: { plugin: plugins[Math.floor(rnd() * 3)] },
        });
      }
      for (let i = 0; i < facts.length; i += 50) {
        await store.write('analytics', facts.slice(i, i + 50));
      }
      const teamOf = (actor: string) =>
        Object.entries(teams).find(([, m]) =>
          m.includes(actor.replace('user:default/', '')),
        )?.[0];
      const rows = facts.map(f => ({
        actor: f.actor!,
        day: f.time.slice(0, 10),
        team: teamOf(f.actor!) ? `group:default/${teamOf(f.actor!)}` : '',
        plugin: f.attributes!.plugin as string,
      }));
      const firstSeen = new Map<string, string>();
      for (const r of rows) {
        if (!firstSeen.has(r.actor) || r.day < firstSeen.get(r.actor)!)
          firstSeen.set(r.actor, r.day);
      }
      const distinct = (
        filter: (r: (typeof rows)[number]) => boolean,
      ): number => new Set(rows.filter(filter).map(r => r.actor)).size;

      const reader = new ActiveUsersReader(db);
      for (const [from, to] of [
        ['2026-03-01', '2026-08-31'],
        ['2026-03-11', '2026-06-17'],
        ['2026-04-08', '2026-04-26'],
        ['2026-05-06', '2026-05-06'],
      ]) {
        const range = { from, to };
        const inRange = (r: (typeof rows)[number]) =>
          r.day >= from && r.day <= to;
        for (const team of ['*', 'group:default/a']) {
          const inScope = (r: (typeof rows)[number]) =>
            inRange(r) && (team === '*' || r.team === team);
          expect(await reader.count([team], range)).toBe(distinct(inScope));
          const weekly = await reader.perPeriod('week', [team], range);
          const monthly = await reader.perPeriod('month', [team], range);
          const daily = await reader.perPeriod('day', [team], range);
          const newPerWeek = await reader.newPerWeek([team], range);
          for (let w = weekOf(from); w <= to; w = addDays(w, 7)) {
            const inWeek = (r: (typeof rows)[number]) =>
              inScope(r) && weekOf(r.day) === w;
            expect([w, weekly.get(w) ?? 0]).toEqual([w, distinct(inWeek)]);
            expect([w, newPerWeek.get(w) ?? 0]).toEqual([
              w,
              distinct(r => inWeek(r) && weekOf(firstSeen.get(r.actor)!) === w),
            ]);
          }
          for (let m = monthOf(from); m <= to; m = monthOf(addDays(m, 32))) {
            expect([m, monthly.get(m) ?? 0]).toEqual([
              m,
              distinct(r => inScope(r) && monthOf(r.day) === m),
            ]);
          }
          for (const d of eachDay(from, to)) {
            expect([d, daily.get(d) ?? 0]).toEqual([
              d,
              distinct(r => inScope(r) && r.day === d),
            ]);
          }
          expect(await reader.newUsers([team], range)).toBe(
            distinct(r => inScope(r) && firstSeen.get(r.actor)! >= from),
          );
          const firstWeek = weekOf(from);
          const until = addDays(weekOf(to), 56);
          const cohorts = await reader.cohorts(
            [team],
            { from: firstWeek, to: weekOf(to) },
            to,
            until,
          );
          for (let w = firstWeek; w <= to; w = addDays(w, 7)) {
            const members = new Set(
              rows
                .filter(
                  r =>
                    weekOf(firstSeen.get(r.actor)!) === w &&
                    firstSeen.get(r.actor)! <= to &&
                    r.day >= firstWeek &&
                    r.day <= to &&
                    (team === '*' || r.team === team),
                )
                .map(r => r.actor),
            );
            expect([w, cohorts.sizes.get(w) ?? 0]).toEqual([w, members.size]);
            for (let l = addDays(w, 7); l <= until; l = addDays(l, 7)) {
              expect([w, l, cohorts.active.get(w)?.get(l) ?? 0]).toEqual([
                w,
                l,
                distinct(r => members.has(r.actor) && weekOf(r.day) === l),
              ]);
            }
          }
          const byPlugin = await reader.byPlugin([team], range);
          for (const plugin of plugins) {
            expect(
              byPlugin.find(p => p.plugin === plugin) ?? {
                plugin,
                activeUsers: 0,
                events: 0,
              },
            ).toEqual({
              plugin,
              activeUsers: distinct(r => inScope(r) && r.plugin === plugin),
              events: rows.filter(r => inScope(r) && r.plugin === plugin)
                .length,
            });
          }
        }
        const byTeam = await reader.countByTeam(
          ['group:default/a', 'group:default/b'],
          range,
        );
        for (const team of ['group:default/a', 'group:default/b']) {
          expect(byTeam.get(team) ?? 0).toBe(
            distinct(r => inRange(r) && r.team === team),
          );
        }
      }
    });
  },
);
