import { UserTokenVault } from './UserTokenVault';

const jwt = (exp: number) =>
  `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`;

describe('UserTokenVault', () => {
  let now = 1_000_000_000_000;
  const clock = () => now;

  it('parses the header and names it in every complaint', () => {
    const vault = new UserTokenVault({ now: clock });
    expect(vault.parseHeader(undefined)).toBeUndefined();
    expect(vault.parseHeader('Bearer opaque-token')).toBe('opaque-token');
    expect(vault.parseHeader('bearer  abc ')).toBe('abc');
    expect(() => vault.parseHeader('Basic abc')).toThrow(
      "Trellis-Engine-Authorization: must be 'Bearer <token>'",
    );
    expect(() => vault.parseHeader(`Bearer ${jwt(now / 1000 + 10)}`)).toThrow(
      /Trellis-Engine-Authorization: the token expired at 2001-09-09T01:46:50.000Z/,
    );
    expect(() => vault.check(' ', 'engineToken')).toThrow(
      'engineToken: must not be empty',
    );
  });

  it('holds a token until its expiry or the longest hold, whichever comes first', () => {
    const vault = new UserTokenVault({
      now: clock,
      maxHoldMs: 600_000,
      expirySkewMs: 30_000,
    });
    vault.hold('short', jwt(now / 1000 + 90), 'user:default/alice');
    vault.hold('opaque', 'opaque', 'user:default/alice');
    expect(vault.get('short')?.expiresAt).toBe(now + 60_000);
    expect(vault.get('opaque')?.expiresAt).toBe(now + 600_000);

    now += 60_000;
    expect(vault.get('short')).toBeUndefined();
    expect(vault.get('opaque')?.token).toBe('opaque');
    now += 540_000;
    expect(vault.size).toBe(0);
  });

  it('puts the previous token back when a change is refused, and releases only what it used', () => {
    const vault = new UserTokenVault({ now: clock });
    vault.hold('r1', 'first', 'user:default/alice');
    const undo = vault.hold('r1', 'second', 'user:default/bob');
    expect(vault.get('r1')?.actor).toBe('user:default/bob');
    undo();
    expect(vault.get('r1')?.token).toBe('first');

    const used = vault.get('r1')!;
    vault.hold('r1', 'newer', 'user:default/alice');
    vault.release('r1', used);
    expect(vault.get('r1')?.token).toBe('newer');
    vault.release('r1', vault.get('r1')!);
    expect(vault.get('r1')).toBeUndefined();
  });
});
