import { assertValidEngine } from './engines';

describe('assertValidEngine', () => {
  it('accepts an engine with a DNS-label id and a title', () => {
    expect(() =>
      assertValidEngine({ id: 'kubernetes', title: 'Kubernetes' }),
    ).not.toThrow();
  });

  it.each([
    [{ id: 'Local', title: 'x' }, /Invalid platform engine id "Local"/],
    [{ id: 'a b', title: 'x' }, /Invalid platform engine id/],
    [{ id: '', title: 'x' }, /Invalid platform engine id/],
    [{ id: 'local', title: ' ' }, /must have a title/],
    [null, /must be an object/],
  ])('rejects %j', (engine, message) => {
    expect(() => assertValidEngine(engine)).toThrow(message);
  });
});
