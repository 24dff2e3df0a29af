import { ReactNode } from 'react';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import CardHeader from '@mui/material/CardHeader';

/** A titled card on a detail page, named by its title for screen readers. */
export const Section = (props: { title: string; children: ReactNode }) => (
  <Card variant="outlined" component="section" aria-label={props.title}>
    <CardHeader
      title={props.title}
      titleTypographyProps={{ variant: 'h6', component: 'h3' }}
      sx={{ pb: 0 }}
    />
    <CardContent>{props.children}</CardContent>
  </Card>
);
