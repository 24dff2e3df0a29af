import { TemplateExample } from '@backstage/plugin-scaffolder-node';

export const examples: TemplateExample[] = [
  {
    description: 'Resize a database and wait until the engine has applied it',
    example: `steps:
  - id: resize
    name: Resize the database
    action: platform:resource:update
    input:
      id: \${{ parameters.resourceId }}
      spec:
        size: \${{ parameters.size }}
        replicas: 2
  - id: resized
    name: Wait for the change
    action: platform:resource:wait
    input:
      id: \${{ parameters.resourceId }}
`,
  },
  {
    description:
      'Update only if nobody changed the resource since generation 3, the one the user reviewed',
    example: `steps:
  - id: update
    name: Update the queue
    action: platform:resource:update
    input:
      id: 0b7c6f8e-2d0a-4c4e-9a53-8f1f1b2f7a10
      generation: 3
      spec:
        retentionHours: 48
`,
  },
];
