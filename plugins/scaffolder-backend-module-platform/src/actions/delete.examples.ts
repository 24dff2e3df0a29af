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
  {
    description:
      'Delete a resource that may need approval (production, a capability marked so): the step succeeds either way; wait only when the delete was made, and otherwise link the change request an approver reviews',
    example: `steps:
  - id: delete
    name: Delete the database
    action: platform:resource:delete
    input:
      id: \${{ parameters.resourceId }}
  - id: deleted
    name: Wait for the delete to finish
    if: \${{ steps.delete.output.approvalStatus === 'not-required' }}
    action: platform:resource:wait
    input:
      id: \${{ parameters.resourceId }}
      phases: [Deleted]
  - id: approval
    name: Say where it is approved
    if: \${{ steps.delete.output.approvalStatus === 'needs-approval' }}
    action: debug:log
    input:
      message: 'Change request \${{ steps.delete.output.changeRequestId }} waits for approval: \${{ steps.delete.output.link }}'
`,
  },
];
