import {
  CAPABILITY_ANNOTATIONS,
  parseRequiresApproval,
  parseTagList,
  PlatformLink,
  readAnnotation,
} from '@trellis/backstage-plugin-platform-common';
import { KubeObject } from '../cluster/types';

/**
 * How a capability is presented, its definition's annotations over the
 * defaults, and whether its changes need a person's approval
 * (`trellis.dev/requires-approval: "true"`), for Promises and XRDs alike.
 */
export function presentationOf(
  definition: KubeObject,
  defaults: {
    title: string;
    description?: string;
    owner?: string;
    tags: string[];
  },
  onLegacy?: (legacyKey: string, key: string) => void,
): {
  title: string;
  description?: string;
  owner?: string;
  tags: string[];
  links: PlatformLink[];
  requiresApproval: boolean;
} {
  // platform-common's vocabulary; the old trellis.io spellings (and
  // trellis.io/docs-url) are read too, with a warning once per definition.
  const read = (key: string) => {
    const value = readAnnotation(
      definition.metadata.annotations,
      key,
      onLegacy,
    );
    return typeof value === 'string' ? value : undefined;
  };
  const tags = parseTagList(read(CAPABILITY_ANNOTATIONS.tags));
  const docsUrl = read(CAPABILITY_ANNOTATIONS.docs);
  return {
    title: read(CAPABILITY_ANNOTATIONS.title) ?? defaults.title,
    description:
      read(CAPABILITY_ANNOTATIONS.description) ?? defaults.description,
    owner: read(CAPABILITY_ANNOTATIONS.owner) ?? defaults.owner,
    tags: [...new Set([...defaults.tags, ...tags])],
    links: docsUrl ? [{ url: docsUrl, title: 'Documentation' }] : [],
    requiresApproval: parseRequiresApproval(
      read(CAPABILITY_ANNOTATIONS.requiresApproval),
    ),
  };
}
