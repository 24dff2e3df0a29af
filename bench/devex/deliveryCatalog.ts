/*
 * The delivery benchmark's catalog: 500 components owned by 50 teams
 * (component i by team-(i % 50)), every fifth made by a golden path, and 500
 * users, a fifth of whom joined during the year.
 */

export const COMPONENTS = 500;
export const TEAMS = 50;
export const USERS = 500;
export const componentRef = (i: number) => `component:default/service-${i}`;
export const teamRef = (t: number) => `group:default/team-${t}`;
export const userRef = (u: number) => `user:default/dev-${u}`;
export const isGoldenPath = (i: number) => i % 5 === 0;

/** A catalog with the components (owner, golden path), teams and users. */
export function catalogYaml(end: number): string {
  const docs: string[] = [];
  for (let c = 0; c < COMPONENTS; c++) {
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: service-${c}
  title: Service ${c}
  annotations:
    github.com/project-slug: bench-org/service-${c}${
      isGoldenPath(c)
        ? `\n    trellis.dev/golden-path: template:default/service`
        : ''
    }
spec: { type: service, lifecycle: production, owner: ${teamRef(c % TEAMS)} }`);
  }
  for (let t = 0; t < TEAMS; t++) {
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: team-${t}, title: Team ${t} }
spec: { type: team, children: [] }`);
  }
  for (let u = 0; u < USERS; u++) {
    // A fifth of the people joined during the year (onboarding cohorts).
    const start =
      u % 5 === 0
        ? new Date(end - ((u * 37) % 360) * 86_400_000)
            .toISOString()
            .slice(0, 10)
        : undefined;
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: dev-${u}${
      start ? `\n  annotations:\n    trellis.dev/start-date: "${start}"` : ''
    }
spec: { memberOf: [team-${u % TEAMS}] }`);
  }
  return `${docs.join('\n---\n')}\n`;
}
