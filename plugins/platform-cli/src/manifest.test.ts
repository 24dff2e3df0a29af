import { parseManifest } from './manifest';
import { CliError, EXIT } from './exitCodes';

function problem(text: string): CliError {
  try {
    parseManifest(text, 'req.yaml');
  } catch (error) {
    return error as CliError;
  }
  throw new Error('expected a problem');
}

const ONE = `capabilityRef: local:database
name: orders-db
environment: dev
owner: group:default/team-a
spec:
  size: small
`;

describe('request files', () => {
  it('reads one request, with an empty spec when it has none', () => {
    expect(parseManifest(ONE, 'req.yaml')).toEqual([
      {
        where: 'req.yaml',
        request: {
          capabilityRef: 'local:database',
          name: 'orders-db',
          environment: 'dev',
          owner: 'group:default/team-a',
          spec: { size: 'small' },
        },
      },
    ]);
    const [{ request }] = parseManifest(
      ONE.replace(/spec:\n {2}size: small\n/, ''),
      'req.yaml',
    );
    expect(request.spec).toEqual({});
  });

  it('reads several YAML documents, skipping empty ones, and JSON', () => {
    const entries = parseManifest(
      `${ONE}---\n---\n${ONE.replace('orders-db', 'billing-db')}`,
      'req.yaml',
    );
    expect(entries.map(e => [e.where, e.request.name])).toEqual([
      ['req.yaml (document 1)', 'orders-db'],
      ['req.yaml (document 3)', 'billing-db'],
    ]);
    const json = parseManifest(
      JSON.stringify({
        capabilityRef: 'local:bucket',
        name: 'b',
        environment: 'dev',
        owner: 'group:default/team-a',
        component: 'component:default/web',
        version: 'v1.0.0',
      }),
      'req.json',
    );
    expect(json[0].request).toMatchObject({
      component: 'component:default/web',
      version: 'v1.0.0',
    });
  });

  it('names every field that is wrong, with exit code 2', () => {
    const error = problem('name: 12\ncolour: blue\nspec: [1]\n');
    expect(error.code).toBe(EXIT.usage);
    expect(error.message).toBe(
      'req.yaml: colour: is not a field of a request (its fields are capabilityRef, name, environment, owner, component, spec, version); capabilityRef: is required; environment: is required; owner: is required; name: must be a string; spec: must be a mapping',
    );
  });

  it('refuses what is not a request at all', () => {
    expect(problem('- a\n- b\n').message).toMatch(
      /^req\.yaml: must be a mapping with the fields/,
    );
    expect(problem('').message).toBe('req.yaml: has no request in it');
    expect(problem('name: [open\n').message).toMatch(
      /^req\.yaml: is not valid YAML: /,
    );
  });
});
