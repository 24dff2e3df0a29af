import { BoundedLog, redact } from './BoundedLog';

describe('BoundedLog', () => {
  it('keeps short output as it is', () => {
    const log = new BoundedLog(100);
    log.append('hello\n');
    log.append('world\n');
    expect(log.toString()).toBe('hello\nworld\n');
    expect(log.lastLine()).toBe('world');
  });

  it('keeps the beginning and the end of long output and says what it dropped', () => {
    const log = new BoundedLog(20);
    log.append('BEGIN-----');
    for (let i = 0; i < 1000; i++) log.append('x');
    log.append('-----END');
    expect(log.toString()).toBe(
      'BEGIN-----\n[engine] ... 998 characters of output omitted ...\nxx-----END',
    );
  });

  it('redacts secrets', () => {
    const log = new BoundedLog(100, ['s3cr3t-value']);
    log.append('url=postgres://u:s3cr3t-value@h\n');
    expect(log.toString()).toBe('url=postgres://u:****@h\n');
    expect(redact('abc', ['ab'])).toBe('abc'); // too short to be a secret
  });
});
