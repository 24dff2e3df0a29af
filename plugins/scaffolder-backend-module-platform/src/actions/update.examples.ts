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
      'Update only if nobody changed the resource since the generation the user reviewed (a later change makes the step fail with a conflict)',
    example: `steps:
  - id: update
    name: Update the queue
    action: platform:resource:update
    input:
      id: \${{ parameters.resourceId }}
      generation: \${{ parameters.reviewedGeneration }}
      spec:
        retentionHours: 48
`,
  },
];
