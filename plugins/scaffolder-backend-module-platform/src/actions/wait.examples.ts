import { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      'Wait for a requested database to become Ready and use its outputs',
    example: `steps:
  - id: database
    name: Request database
    action: platform:resource:request
    input:
      capabilityRef: local:postgresql
      name: orders-db
      environment: dev
      owner: group:default/team-a
  - id: database-ready
    name: Wait for the database
    action: platform:resource:wait
    input:
      id: \${{ steps.database.output.id }}
      timeoutSeconds: 900
  - id: log
    name: Show the host
    action: debug:log
    input:
      message: 'Database host: \${{ steps["database-ready"].output.outputs.host }}'
`,
  },
  {
    description: 'Wait until a resource is gone after deleting it',
    example: `steps:
  - id: delete
    name: Delete the database
    action: platform:resource:delete
    input:
      id: \${{ parameters.resourceId }}
  - id: deleted
    name: Wait for the delete to finish
    action: platform:resource:wait
    input:
      id: \${{ parameters.resourceId }}
      phases: [Deleted]
      timeoutSeconds: 300
`,
  },
];
