import { PlatformLink } from '@trellis/backstage-plugin-platform-common';
import { KubeObject } from '../cluster/types';

/**
 * Annotations a platform team puts on a Promise or XRD to present it in the
 * portal. Everything has a default, so unannotated definitions work too.
 */
const PRESENTATION_ANNOTATIONS = {
  title: 'trellis.io/title',
  description: 'trellis.io/description',
  owner: 'trellis.io/owner',
  /** Comma-separated. */
  tags: 'trellis.io/tags',
  docsUrl: 'trellis.io/docs-url',
} as const;

/** How a capability is presented: its definition's annotations over the defaults. */
export function presentationOf(
  definition: KubeObject,
  defaults: {
    title: string;
    description?: string;
    owner?: string;
    tags: string[];
  },
): {
  title: string;
  description?: string;
  owner?: string;
  tags: string[];
  links: PlatformLink[];
} {
  const annotations = definition.metadata.annotations ?? {};
  const tags = (annotations[PRESENTATION_ANNOTATIONS.tags] ?? '')
    .split(',')
    .map(tag => tag.trim().toLocaleLowerCase('en-US'))
    .filter(Boolean);
  const docsUrl = annotations[PRESENTATION_ANNOTATIONS.docsUrl];
  return {
    title: annotations[PRESENTATION_ANNOTATIONS.title] ?? defaults.title,
    description:
      annotations[PRESENTATION_ANNOTATIONS.description] ?? defaults.description,
    owner: annotations[PRESENTATION_ANNOTATIONS.owner] ?? defaults.owner,
    tags: [...new Set([...defaults.tags, ...tags])],
    links: docsUrl ? [{ url: docsUrl, title: 'Documentation' }] : [],
  };
}
