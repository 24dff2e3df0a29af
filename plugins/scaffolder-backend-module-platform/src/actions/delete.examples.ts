import { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description: 'Delete a resource and wait until the engine has removed it',
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
`,
  },
];
