import { ApiEntity, Entity } from '@backstage/catalog-model';
import {
  Capability,
  JsonObject,
} from '@trellis/backstage-plugin-platform-common';
import {
  capabilityEntityName,
  capabilityTemplateName,
  entityLinks,
  entityTags,
} from './names';
import {
  appUrl,
  CAPABILITY_API_TYPE,
  CAPABILITY_TEMPLATE_TYPE,
  locationAnnotations,
  PLATFORM_ANNOTATIONS,
  PlatformEntityMappingOptions,
  resolveMappingOptions,
} from './options';
import {
  configurationForm,
  parameterExpression,
  templateValue,
} from './templateForm';

const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

function capabilityAnnotations(
  capability: Capability,
  providerName: string,
): Record<string, string> {
  return {
    ...locationAnnotations(providerName),
    [PLATFORM_ANNOTATIONS.capabilityRef]: capability.ref,
    [PLATFORM_ANNOTATIONS.engine]: capability.engine,
    [PLATFORM_ANNOTATIONS.capabilityVersion]: capability.version,
  };
}

function lifecycleOf(capability: Capability): string {
  return capability.available ? 'production' : 'experimental';
}

function descriptionOf(capability: Capability): string {
  const description =
    capability.description ??
    `${capability.title}, offered by the platform (${capability.ref}).`;
  return capability.available
    ? description
    : `${description}\n\nUnavailable: ${
        capability.availabilityMessage ?? 'the engine reports it unavailable'
      }`;
}

/**
 * A capability as an `API` entity of type `platform-capability`, whose
 * definition is the JSON Schema a request must match.
 *
 * @public
 */
export function capabilityToApiEntity(
  capability: Capability,
  mappingOptions?: PlatformEntityMappingOptions,
): ApiEntity {
  const options = resolveMappingOptions(mappingOptions);
  const links = entityLinks(capability.links ?? [], options.baseUrl);
  const templateUrl = options.templates
    ? appUrl(
        options,
        `/create/templates/default/${capabilityTemplateName(capability.ref)}`,
      )
    : undefined;
  if (templateUrl) {
    links.unshift({ url: templateUrl, title: `Request ${capability.title}` });
  }
  const tags = entityTags(capability.tags ?? []);
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'API',
    metadata: {
      name: capabilityEntityName(capability.ref),
      title: capability.title,
      description: descriptionOf(capability),
      annotations: capabilityAnnotations(capability, options.providerName),
      ...(tags.length ? { tags } : {}),
      ...(links.length ? { links } : {}),
    },
    spec: {
      type: CAPABILITY_API_TYPE,
      lifecycle: lifecycleOf(capability),
      owner: capability.owner ?? options.defaultOwner,
      definition: JSON.stringify(capability.inputSchema ?? {}, null, 2),
    },
  };
}

/** The form field of generated templates that signs the user in for `userAuth` engines. */
const ENGINE_CREDENTIALS_FIELD = 'engineCredentials';

/**
 * The golden path to a capability: a scaffolder `Template` whose form asks
 * where the resource goes and then for the capability's input schema, and
 * whose steps request the resource and wait until it is ready.
 *
 * @public
 */
export function capabilityToTemplateEntity(
  capability: Capability,
  mappingOptions?: PlatformEntityMappingOptions,
): Entity {
  const options = resolveMappingOptions(mappingOptions);
  const { page, fields } = configurationForm(capability.inputSchema ?? {});

  const where: JsonObject = {
    title: 'Where',
    required: ['name', 'environment', 'owner'],
    properties: {
      name: {
        title: 'Name',
        type: 'string',
        description: `A name for the new ${capability.title}`,
        pattern: DNS_LABEL_PATTERN,
        maxLength: 63,
        'ui:autofocus': true,
        'ui:help':
          'Lower-case letters, digits and dashes, starting and ending with a letter or digit; unique per environment.',
      },
      environment: {
        title: 'Environment',
        type: 'string',
        enum: options.environments,
        default: options.environments[0],
      },
      owner: {
        title: 'Owner',
        type: 'string',
        description: 'The team that owns it',
        // The user's own teams; a user in exactly one has it chosen already.
        'ui:field': 'MyGroupsPicker',
      },
      component: {
        title: 'Component',
        type: 'string',
        description: 'The component that uses it (optional)',
        // The platform plugin's picker: the user's own components first.
        'ui:field': 'PlatformComponentPicker',
      },
    },
  };

  const request: JsonObject = {
    capabilityRef: capability.ref,
    name: parameterExpression('name'),
    environment: parameterExpression('environment'),
    owner: parameterExpression('owner'),
    component: parameterExpression('component'),
  };
  if (capability.userAuth) {
    // The engine acts as the user: the form gets the user's ID token into
    // the task's secrets (required, so the form waits for the sign-in).
    (where.required as string[]).push(ENGINE_CREDENTIALS_FIELD);
    (where.properties as JsonObject)[ENGINE_CREDENTIALS_FIELD] = {
      title: 'Your credentials',
      type: 'string',
      description: `${capability.title} is created with your own identity`,
      'ui:field': 'PlatformEngineCredentials',
      'ui:options': { capabilityRef: capability.ref },
    };
    request.engineToken = '${{ secrets.platformEngineToken }}';
  }

  const spec: JsonObject = {};
  for (const { specKey, value } of fields) {
    spec[specKey] = templateValue(value);
  }

  const tags = entityTags(['platform', ...(capability.tags ?? [])]);
  const links = entityLinks(capability.links ?? [], options.baseUrl);
  return {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind: 'Template',
    metadata: {
      name: capabilityTemplateName(capability.ref),
      title: `Request ${capability.title}`,
      description: descriptionOf(capability),
      annotations: {
        ...capabilityAnnotations(capability, options.providerName),
        'backstage.io/time-saved': options.timeSaved,
      },
      tags,
      ...(links.length ? { links } : {}),
    },
    spec: {
      type: CAPABILITY_TEMPLATE_TYPE,
      owner: capability.owner ?? options.defaultOwner,
      lifecycle: lifecycleOf(capability),
      parameters: page ? [where, page] : [where],
      steps: [
        {
          id: 'request',
          name: `Request ${capability.title}`,
          action: 'platform:resource:request',
          input: { ...request, spec },
        },
        {
          id: 'wait',
          name: 'Wait until it is ready',
          action: 'platform:resource:wait',
          input: { id: '${{ steps.request.output.id }}' },
        },
      ],
      output: {
        links: [
          {
            title: 'Open in the platform portal',
            url: '${{ steps.request.output.link }}',
          },
          {
            title: 'Open in the catalog',
            icon: 'catalog',
            entityRef: '${{ steps.request.output.entityRef }}',
          },
        ],
        text: [
          {
            title: 'Status',
            content:
              '**${{ parameters.name }}** (${{ parameters.environment }}) is ${{ steps.wait.output.phase }}.',
          },
        ],
      },
    },
  };
}
