import {
  DevexFact,
  DevexFactKind,
} from '@trellis/backstage-plugin-devex-common';
import { Authors, DemoUser } from './demoAuthors';
import { DEMO_COMPONENTS, DemoComponent } from './demoComponents';
import { DAY, hex, History, HOUR, simulate } from './demoSimulation';

export type { DemoUser } from './demoAuthors';
export { ADOPTING_TEAM, ADOPTION_DAY } from './demoComponents';

/**
 * The delivery history of the example components over the demo period:
 * merged pull requests (first commit, merge sha, author), staging and
 * production deployments of those shas, failed deployments retried, and
 * incidents resolved by a hotfix deployed out of the release schedule.
 * The facts are the ones the delivery module makes of GitHub and PagerDuty
 * webhooks, with the same source ids.
 *
 * The story's days (adoption, creations, new hires) count from `storyStart`,
 * the first day of the period when the demo first ran, so a portal that runs
 * for weeks keeps one story; facts are made for the period from
 * `periodStart` to `now`. Each day of each component is derived from its own
 * seed and the releases from the days just before, so a day gives the same
 * facts whichever day the demo runs on.
 */
export function deliveryFacts(
  users: DemoUser[],
  period: { storyStart: number; periodStart: number; now: Date },
): { delivery: DevexFact[]; creations: DevexFact[] } {
  if (users.length === 0) return { delivery: [], creations: [] };
  const authors = new Authors(users);
  const delivery: DevexFact[] = [];
  const creations: DevexFact[] = [];
  const { storyStart, periodStart } = period;
  const now = period.now.getTime();
  for (const component of DEMO_COMPONENTS) {
    const history = simulate(component, authors, storyStart, periodStart, now);
    delivery.push(...toFacts(component, history, periodStart, now));
    if (component.createdOnDay !== undefined) {
      const at = storyStart + component.createdOnDay * DAY + 10 * HOUR;
      const actor =
        authors.pick(component.owner, component.createdOnDay, 0) ??
        users[0].ref;
      const taskId = `demo-create-${component.name}`;
      if (at <= now) {
        creations.push({
          sourceId: `scaffolder:task/${taskId}/completed`,
          kind: DevexFactKind.goldenPathRun,
          time: new Date(at).toISOString(),
          actor,
          templateRef: 'template:default/node-service-with-database',
          entityRef: `component:default/${component.name}`,
          subject: `scaffolder:task/${taskId}`,
          value: 212,
          attributes: {
            taskId,
            status: 'completed',
            goldenPath: true,
            timeSavedSeconds: 4 * 3600,
          },
        });
      }
    }
  }
  return { delivery, creations };
}

/**
 * The facts of a simulated history that fall in the period and before now,
 * plus the changes merged before the period that its first production
 * release carries (so every deployed sha has its change).
 */
function toFacts(
  component: DemoComponent,
  history: History,
  periodStart: number,
  now: number,
): DevexFact[] {
  const repo = `acme/${component.name}`;
  const entityRef = `component:default/${component.name}`;
  const iso = (t: number) => new Date(t).toISOString();
  const facts: DevexFact[] = [];
  const lastReleaseBefore = Math.max(
    -Infinity,
    ...history.deployments
      .filter(
        d =>
          d.environment === 'production' &&
          d.status === 'success' &&
          d.finishedAt < periodStart,
      )
      .map(d => d.createdAt),
  );
  for (const change of history.changes) {
    if (change.mergedAt > now || change.mergedAt <= lastReleaseBefore) continue;
    facts.push({
      sourceId: `github:pr/${repo}/${change.number}/merged`,
      kind: DevexFactKind.deliveryChangeMerged,
      time: iso(change.mergedAt),
      subject: `github:pr/${repo}/${change.number}`,
      entityRef,
      actor: change.author,
      value: Math.round((change.mergedAt - change.firstCommitAt) / 1000),
      attributes: {
        provider: 'github',
        repo,
        number: change.number,
        url: `https://github.com/${repo}/pull/${change.number}`,
        firstCommitAt: iso(change.firstCommitAt),
        mergeSha: change.sha,
        baseBranch: 'main',
        labels: change.labels,
      },
    });
  }
  for (const deployment of history.deployments) {
    if (deployment.finishedAt < periodStart || deployment.finishedAt > now) {
      continue;
    }
    const statusId = parseInt(
      hex(`${repo}|status|${deployment.id}`).slice(0, 8),
      16,
    );
    facts.push({
      sourceId: `github:deployment/${repo}/${deployment.id}/status/${statusId}`,
      kind: DevexFactKind.deliveryDeployment,
      time: iso(deployment.finishedAt),
      subject: `github:deployment/${repo}/${deployment.id}`,
      entityRef,
      attributes: {
        provider: 'github',
        repo,
        id: String(deployment.id),
        environment: deployment.environment,
        production: deployment.environment === 'production',
        status: deployment.status,
        sha: deployment.sha,
        url: `https://github.com/${repo}/actions/runs/${statusId}`,
        createdAt: iso(deployment.createdAt),
      },
    });
  }
  for (const incident of history.incidents) {
    const resolved =
      incident.resolvedAt !== undefined && incident.resolvedAt <= now
        ? incident.resolvedAt
        : undefined;
    if ((resolved ?? incident.openedAt) < periodStart) continue;
    if (incident.openedAt > now) continue;
    const pagerduty = component.incidentsFrom === 'pagerduty';
    const id = pagerduty
      ? `Q${hex(`${repo}|incident|${incident.openedAt}`)
          .slice(0, 13)
          .toUpperCase()}`
      : `${repo}#${incident.number}`;
    const subject = `${pagerduty ? 'pagerduty' : 'github'}:incident/${id}`;
    const attributes = {
      provider: pagerduty ? 'pagerduty' : 'github',
      id,
      title: incident.title,
      url: pagerduty
        ? `https://acme.pagerduty.com/incidents/${id}`
        : `https://github.com/${repo}/issues/${incident.number}`,
      severity: pagerduty
        ? incident.severity
        : `sev${incident.severity === 'high' ? 2 : 3}`,
      openedAt: iso(incident.openedAt),
    };
    facts.push({
      sourceId: `${subject}/opened`,
      kind: DevexFactKind.deliveryIncidentOpened,
      time: iso(incident.openedAt),
      subject,
      entityRef,
      attributes,
    });
    if (resolved === undefined) continue;
    facts.push({
      sourceId: pagerduty
        ? `${subject}/resolved/${hex(`${id}|resolved`)
            .slice(0, 20)
            .toUpperCase()}`
        : `${subject}/resolved/${iso(resolved)}`,
      kind: DevexFactKind.deliveryIncidentResolved,
      time: iso(resolved),
      subject,
      entityRef,
      value: Math.round((resolved - incident.openedAt) / 1000),
      attributes: { ...attributes, resolvedAt: iso(resolved) },
    });
  }
  return facts;
}
