import { assertValidEngine } from './engines';
import { InMemoryEngine } from './testUtils';

function engine() {
  return new InMemoryEngine();
}

describe('assertValidEngine', () => {
  it('accepts an engine with a DNS-label id, a title and the engine methods', () => {
    expect(() => assertValidEngine(new InMemoryEngine())).not.toThrow();
  });

  it('names the missing method', () => {
    const { watch, ...incomplete } = new InMemoryEngine({ id: 'x' });
    expect(() =>
      assertValidEngine({
        ...incomplete,
        listCapabilities: () => {},
        apply: () => {},
        delete: () => {},
        observe: () => {},
      }),
    ).toThrow("Platform engine 'x' does not implement watch()");
  });

  it.each([
    [
      { ...engine(), id: 'Local', title: 'x' },
      /Invalid platform engine id "Local"/,
    ],
    [{ ...engine(), id: 'a b', title: 'x' }, /Invalid platform engine id/],
    [{ ...engine(), id: '', title: 'x' }, /Invalid platform engine id/],
    [{ ...engine(), id: 'local', title: ' ' }, /must have a title/],
    [null, /must be an object/],
  ])('rejects %j', (candidate, message) => {
    expect(() => assertValidEngine(candidate)).toThrow(message);
  });
});
