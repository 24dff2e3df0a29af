import { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description: 'Request a database for the new component and wait for it',
    example: `steps:
  - id: database
    name: Request database
    action: platform:resource:request
    input:
      capabilityRef: local:postgresql
      name: \${{ parameters.name }}-db
      environment: dev
      owner: \${{ parameters.owner }}
      component: component:default/\${{ parameters.name }}
      spec:
        size: small
  - id: database-ready
    name: Wait for the database
    action: platform:resource:wait
    input:
      id: \${{ steps.database.output.id }}
output:
  links:
    - title: Database
      url: \${{ steps.database.output.link }}
    - title: Database in the catalog
      entityRef: \${{ steps.database.output.entityRef }}
`,
  },
  {
    description:
      'Request a queue with a fixed idempotency key: when the same user runs the template again with the same input, it answers with the queue it already requested',
    example: `steps:
  - id: queue
    name: Request queue
    action: platform:resource:request
    input:
      capabilityRef: kratix:queue
      name: orders-events
      environment: staging
      owner: group:default/team-a
      idempotencyKey: orders-events-staging
`,
  },
  {
    description:
      'Request a resource that may need approval (a capability marked `trellis.dev/requires-approval`): the step succeeds with `approvalStatus: needs-approval` and the change request; wait for the resource only when it was created',
    example: `steps:
  - id: secrets
    name: Request a secrets vault
    action: platform:resource:request
    input:
      capabilityRef: local:vault
      name: \${{ parameters.name }}-secrets
      environment: dev
      owner: \${{ parameters.owner }}
  - id: secrets-ready
    name: Wait for the vault
    if: \${{ steps.secrets.output.approvalStatus === 'not-required' }}
    action: platform:resource:wait
    input:
      id: \${{ steps.secrets.output.id }}
output:
  links:
    - title: Vault, or its change request
      url: \${{ steps.secrets.output.link }}
`,
  },
];
