import { ReactNode } from 'react';
import { Content } from '@backstage/core-components';

/** The padding of a tab's body in the new frontend system's sub-pages. */
export const PageContent = (props: { children: ReactNode }) => (
  <Content>{props.children}</Content>
);
