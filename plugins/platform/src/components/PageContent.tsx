import { ReactNode } from 'react';
import { Content } from '@backstage/core-components';

/**
 * The padding of a page body. The legacy PlatformPage wraps all its routes
 * in one; the new frontend system's sub-pages each get their own.
 */
export const PageContent = (props: { children: ReactNode }) => (
  <Content>{props.children}</Content>
);
