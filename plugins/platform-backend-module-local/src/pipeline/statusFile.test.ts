import { toPipelineStatus } from './statusFile';

describe('toPipelineStatus', () => {
  it('turns scalars, one level deep, into outputs and message into the message', () => {
    expect(
      toPipelineStatus({
        message: 'Database ready',
        host: 'localhost',
        port: 5432,
        tls: false,
        connectionDetails: { user: 'orders', deep: { ignored: true } },
        list: [1, 2],
      }),
    ).toEqual({
      message: 'Database ready',
      outputs: {
        host: 'localhost',
        port: 5432,
        tls: false,
        'connectionDetails.user': 'orders',
      },
      dropped: [
        'connectionDetails.deep: not a string, number or boolean',
        'list: not a string, number or boolean',
      ],
    });
  });

  it('reads retryable: false as a permanent failure, never as an output', () => {
    expect(
      toPipelineStatus({ message: 'Quota exceeded', retryable: false }),
    ).toEqual({
      message: 'Quota exceeded',
      outputs: {},
      dropped: [],
      permanent: true,
    });
    expect(toPipelineStatus({ retryable: true })).toEqual({
      outputs: {},
      dropped: [],
    });
    expect(toPipelineStatus({ retryable: 'no' }).dropped).toEqual([
      'retryable: must be true or false',
    ]);
  });

  it('never shows values that look like credentials', () => {
    const status = toPipelineStatus({
      password: 'hunter2',
      connection: { token: 'abc' },
      passwordFile: '/secrets/db.password',
    });
    expect(status.outputs).toEqual({ passwordFile: '/secrets/db.password' });
    expect(status.dropped).toEqual([
      'password: looks like a credential, never shown',
      'connection.token: looks like a credential, never shown',
    ]);
  });

  it('bounds the number and size of outputs', () => {
    const many = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'.repeat(5000)]),
    );
    const status = toPipelineStatus(many);
    expect(Object.keys(status.outputs)).toHaveLength(64);
    expect(status.outputs.k0).toHaveLength(2048);
  });
});
