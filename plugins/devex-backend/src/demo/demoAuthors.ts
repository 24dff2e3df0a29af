import { DEMO_COMPONENTS } from './demoComponents';
import { joinDay, random } from './seeded';

/** Days from a new hire's first day in the portal to their first merge. */
const RAMP_DAYS: Record<string, [number, number]> = {
  'group:default/team-storefront': [3, 7],
  'group:default/team-payments': [12, 24],
  'group:default/team-search': [6, 14],
  'group:default/team-data': [5, 12],
};

export interface DemoUser {
  ref: string;
  teams?: string[];
}

/**
 * Who merges changes into a team's components on a day: its members, of
 * whom the later half to join the portal are new hires who merge their first
 * change some days after they joined (onboarding). With no member of the
 * team in the catalog, every user. The example org (examples/org.yaml) gives
 * the others a `trellis.dev/start-date` before the period.
 */
export class Authors {
  private readonly firstMergeDay = new Map<string, number>();
  private readonly members = new Map<string, string[]>();

  constructor(users: DemoUser[]) {
    for (const component of DEMO_COMPONENTS) {
      if (this.members.has(component.owner)) continue;
      const joined = users
        .map((user, index) => ({
          ref: user.ref,
          day: joinDay(index, users.length),
        }))
        .filter(
          (_, index) => users[index].teams?.includes(component.owner) ?? false,
        );
      const members = joined.length
        ? joined
        : users.map((user, index) => ({
            ref: user.ref,
            day: joinDay(index, users.length),
          }));
      const newHires = Math.ceil(members.length / 2);
      members.forEach((member, i) => {
        const ramp = RAMP_DAYS[component.owner] ?? [5, 15];
        const rnd = random(`${member.ref}|first-merge`);
        const day =
          i < members.length - newHires
            ? -Infinity
            : member.day + Math.round(ramp[0] + rnd() * (ramp[1] - ramp[0]));
        if (!this.firstMergeDay.has(member.ref)) {
          this.firstMergeDay.set(member.ref, day);
        }
      });
      this.members.set(
        component.owner,
        members.map(m => m.ref),
      );
    }
  }

  /** A member who merges on `day`; a new hire likely on their first day. */
  pick(team: string, day: number, r: number): string | undefined {
    const members = this.members.get(team) ?? [];
    const starting = members.find(m => this.firstMergeDay.get(m) === day);
    if (starting && r < 0.5) return starting;
    const active = members.filter(m => this.firstMergeDay.get(m)! <= day);
    return active.length ? active[Math.floor(r * active.length)] : undefined;
  }
}
