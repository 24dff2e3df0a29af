import { gitlabDeployment } from '../__testUtils__/payloads';
import { interpretGitlab } from './gitlab';

const options = { productionEnvironments: ['production'], incidentLabel: 'x' };

function deploymentFact(payload: unknown) {
  const meaning = interpretGitlab(payload, options);
  if (!('facts' in meaning)) throw new Error(meaning.ignored);
  return meaning.facts[0];
}

describe('interpretGitlab deployments', () => {
  it('stores the full SHA, read from commit_url (the hook has only short_sha besides)', () => {
    const fact = deploymentFact(gitlabDeployment('success'));
    expect(fact.attributes.sha).toBe(
      '279484c09fbe69ededfced8c1bb6e6d24616b468',
    );
    // Without a commit URL, the short SHA is all there is.
    const { commit_url: _omitted, ...bare } = gitlabDeployment('success');
    expect(deploymentFact(bare).attributes.sha).toBe('279484c0');
  });

  it('names a deployment status once, whenever the hook says it changed (the backfill has no status_changed_at)', () => {
    const first = deploymentFact(gitlabDeployment('failed'));
    const later = deploymentFact({
      ...gitlabDeployment('failed'),
      status_changed_at: '2021-04-28 21:50:03 +0200',
    });
    expect(first.sourceId).toBe(
      'gitlab:deployment/gitlabhq/gitlab-test/15/status/failed',
    );
    expect(later.sourceId).toBe(first.sourceId);
    expect(later.time).toBe('2021-04-28T19:50:03.000Z');
    expect(first.attributes.status).toBe('failure');
    expect(deploymentFact(gitlabDeployment('success')).sourceId).toBe(
      'gitlab:deployment/gitlabhq/gitlab-test/15/status/success',
    );
  });
});
