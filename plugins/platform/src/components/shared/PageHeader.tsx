import { ReactNode } from 'react';
import Box from '@mui/material/Box';

/**
 * The row at the top of a page: its heading, what state it is in, and its
 * actions, wrapping on narrow screens. A detail page's is its `header`.
 */
export const PageHeader = (props: {
  component?: 'header';
  children: ReactNode;
}) => (
  <Box
    component={props.component ?? 'div'}
    sx={{
      display: 'flex',
      alignItems: 'center',
      gap: 2,
      flexWrap: 'wrap',
      mb: 1,
    }}
  >
    {props.children}
  </Box>
);
