import { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description:
      'Look up a capability and request it only when the engine offers it',
    example: `steps:
  - id: capability
    name: Look up PostgreSQL
    action: platform:capability:get
    input:
      ref: local:postgresql
  - id: database
    name: Request database
    if: \${{ steps.capability.output.available }}
    action: platform:resource:request
    input:
      capabilityRef: local:postgresql
      name: orders-db
      environment: dev
      owner: group:default/team-a
`,
  },
];
