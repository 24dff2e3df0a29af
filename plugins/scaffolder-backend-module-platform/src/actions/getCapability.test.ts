import { mockCredentials } from '@backstage/backend-test-utils';
import { createTestContext } from '../__testUtils__/context';
import { DATABASE, FakePlatform } from '../__testUtils__/FakePlatform';
import { createPlatformCapabilityGetAction } from './getCapability';

describe('platform:capability:get', () => {
  it('outputs the capability as the user who started the task sees it', async () => {
    const platform = new FakePlatform();
    const getCapability = jest.spyOn(platform, 'getCapability');
    const credentials = mockCredentials.user('user:default/alice');
    const { ctx, outputs } = createTestContext({
      input: { ref: 'local:postgresql' },
      credentials,
    });

    await createPlatformCapabilityGetAction(platform).handler(ctx);

    expect(getCapability).toHaveBeenCalledWith('local:postgresql', {
      credentials,
    });
    expect(outputs()).toEqual({
      ref: 'local:postgresql',
      title: 'PostgreSQL database',
      description: 'A PostgreSQL database',
      version: '16.2',
      versions: ['15.6', '16.2'],
      inputSchema: DATABASE.inputSchema,
      available: true,
      owner: 'group:default/platform-team',
    });
  });

  it('fails for an unknown capability', async () => {
    const { ctx } = createTestContext({ input: { ref: 'local:nope' } });

    await expect(
      createPlatformCapabilityGetAction(new FakePlatform()).handler(ctx),
    ).rejects.toThrow('No capability local:nope');
  });
});
