import { TestDatabases } from '@backstage/backend-test-utils';
import { PermissionCriteria } from '@backstage/plugin-permission-common';
import { PlatformResource } from '@trellis/backstage-plugin-platform-common';
import {
  PlatformResourceFilter,
  platformResourcePermissionRules,
} from '@trellis/backstage-plugin-platform-node';
import { testDatabaseIds } from '../__testUtils__/harness';
import { openPlatformStores } from './PlatformStores';
import { ResourceStore } from './ResourceStore';

/**
 * A permission rule is applied twice: `apply` decides for one resource (get,
 * update, delete), `toQuery` becomes SQL for lists. If the two disagree, a
 * user sees in a list what they may not open, or the other way round. Each
 * rule, with several parameters, must select exactly the same seeded rows
 * both ways, alone and inside not / allOf / anyOf.
 */

const { isResourceOwner, isResourceEnvironment, isResourceCapability } =
  platformResourcePermissionRules;

type Rule = {
  apply(resource: PlatformResource, params: any): boolean;
  toQuery(params: any): PermissionCriteria<PlatformResourceFilter>;
};
type Case = { label: string; rule: Rule; params: unknown };

const CASES: Case[] = [
  {
    label: 'owner, claims in another case',
    rule: isResourceOwner,
    params: { claims: ['user:default/Alice', 'group:default/TEAM-A'] },
  },
  {
    label: 'owner, one team',
    rule: isResourceOwner,
    params: { claims: ['group:default/team-b'] },
  },
  {
    label: 'owner, unknown',
    rule: isResourceOwner,
    params: { claims: ['group:default/nobody'] },
  },
  { label: 'owner, no claims', rule: isResourceOwner, params: { claims: [] } },
  {
    label: 'environment',
    rule: isResourceEnvironment,
    params: { environments: ['production', 'staging'] },
  },
  {
    label: 'environment in another case',
    rule: isResourceEnvironment,
    params: { environments: ['Production'] },
  },
  {
    label: 'environment, none',
    rule: isResourceEnvironment,
    params: { environments: [] },
  },
  {
    label: 'capability',
    rule: isResourceCapability,
    params: { capabilityRefs: ['memory:cache'] },
  },
  {
    label: 'capability, none',
    rule: isResourceCapability,
    params: { capabilityRefs: [] },
  },
];

const OWNERS = [
  'group:default/team-a',
  'group:default/team-b',
  'user:default/alice',
];
const ENVIRONMENTS = ['dev', 'staging', 'production'];
const CAPABILITIES = ['memory:database', 'memory:cache'];

const databases = TestDatabases.create({
  ids: testDatabaseIds(),
  disableDocker: true,
});

describe.each(databases.eachSupportedId())(
  'permission rules on %p',
  databaseId => {
    let store: ResourceStore;
    let all: PlatformResource[];

    beforeAll(async () => {
      const knex = await databases.init(databaseId);
      store = (await openPlatformStores({ getClient: async () => knex }))
        .resources;
      let n = 0;
      for (const owner of OWNERS) {
        for (const environment of ENVIRONMENTS) {
          for (const capabilityRef of CAPABILITIES) {
            n += 1;
            await store.insert({
              id: `r${n}`,
              capabilityRef,
              engineId: 'memory',
              name: `res-${n}`,
              environment,
              owner,
              requestedBy: 'user:default/alice',
              spec: {},
              version: '1.0.0',
            });
          }
        }
      }
      all = (await store.list({ limit: 100 })).items;
      if (
        all.length !==
        OWNERS.length * ENVIRONMENTS.length * CAPABILITIES.length
      ) {
        throw new Error(`seeded ${all.length} resources`);
      }
    });

    const listed = async (
      criteria: PermissionCriteria<PlatformResourceFilter>,
    ) =>
      (await store.list({ limit: 100 }, criteria)).items.map(r => r.id).sort();
    const applied = (match: (r: PlatformResource) => boolean) =>
      all
        .filter(match)
        .map(r => r.id)
        .sort();

    it.each(CASES)(
      '$label: apply and toQuery select the same rows',
      async c => {
        const expected = applied(r => c.rule.apply(r, c.params));
        expect(await listed(c.rule.toQuery(c.params))).toEqual(expected);
      },
    );

    it.each(CASES)('$label: the same under not', async c => {
      const expected = applied(r => !c.rule.apply(r, c.params));
      expect(await listed({ not: c.rule.toQuery(c.params) })).toEqual(expected);
    });

    it('agree inside allOf and anyOf of different rules', async () => {
      const owner = CASES[0];
      const env = CASES[4];
      const capability = CASES[7];
      expect(
        await listed({
          allOf: [
            owner.rule.toQuery(owner.params),
            env.rule.toQuery(env.params),
          ],
        }),
      ).toEqual(
        applied(
          r =>
            owner.rule.apply(r, owner.params) && env.rule.apply(r, env.params),
        ),
      );
      expect(
        await listed({
          anyOf: [
            capability.rule.toQuery(capability.params),
            { not: env.rule.toQuery(env.params) },
          ],
        }),
      ).toEqual(
        applied(
          r =>
            capability.rule.apply(r, capability.params) ||
            !env.rule.apply(r, env.params),
        ),
      );
    });
  },
);
