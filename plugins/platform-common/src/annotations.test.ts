import {
  CAPABILITY_ANNOTATIONS,
  createLegacyAnnotationWarner,
  parseTagList,
  readAnnotation,
} from './annotations';

describe('parseTagList', () => {
  it('splits on commas, trims, lower-cases and drops empty and repeated tags', () => {
    expect(parseTagList(' Database, SQL,,sql , PostgreSQL ')).toEqual([
      'database',
      'sql',
      'postgresql',
    ]);
    expect(parseTagList(undefined)).toEqual([]);
    expect(parseTagList(' , ')).toEqual([]);
  });
});

describe('readAnnotation', () => {
  it('reads the canonical key first, then the old trellis.io spellings', () => {
    const heard: string[] = [];
    const onLegacy = (legacy: string) => heard.push(legacy);
    expect(
      readAnnotation(
        { 'trellis.dev/title': 'New', 'trellis.io/title': 'Old' },
        CAPABILITY_ANNOTATIONS.title,
        onLegacy,
      ),
    ).toBe('New');
    expect(
      readAnnotation(
        { 'trellis.io/title': 'Old' },
        CAPABILITY_ANNOTATIONS.title,
        onLegacy,
      ),
    ).toBe('Old');
    expect(
      readAnnotation(
        { 'trellis.io/docs-url': 'https://docs.example.com' },
        CAPABILITY_ANNOTATIONS.docs,
        onLegacy,
      ),
    ).toBe('https://docs.example.com');
    expect(readAnnotation({}, CAPABILITY_ANNOTATIONS.owner, onLegacy)).toBe(
      undefined,
    );
    expect(heard).toEqual(['trellis.io/title', 'trellis.io/docs-url']);
  });
});

describe('createLegacyAnnotationWarner', () => {
  it('warns once per subject and old key, however often it is read', () => {
    const warnings: string[] = [];
    const warner = createLegacyAnnotationWarner(m => warnings.push(m));
    for (let poll = 0; poll < 3; poll++) {
      readAnnotation(
        { 'trellis.io/title': 'Old', 'trellis.io/docs-url': 'x' },
        CAPABILITY_ANNOTATIONS.title,
        warner('Promise postgresql'),
      );
      readAnnotation(
        { 'trellis.io/docs-url': 'x' },
        CAPABILITY_ANNOTATIONS.docs,
        warner('Promise postgresql'),
      );
    }
    readAnnotation(
      { 'trellis.io/title': 'Old' },
      CAPABILITY_ANNOTATIONS.title,
      warner('XRD xdatabases'),
    );
    expect(warnings).toEqual([
      'Promise postgresql uses the deprecated annotation trellis.io/title; write trellis.dev/title instead (the old spelling will stop being read in a future release)',
      'Promise postgresql uses the deprecated annotation trellis.io/docs-url; write trellis.dev/docs instead (the old spelling will stop being read in a future release)',
      'XRD xdatabases uses the deprecated annotation trellis.io/title; write trellis.dev/title instead (the old spelling will stop being read in a future release)',
    ]);
  });
});
