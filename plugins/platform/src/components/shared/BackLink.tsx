import { ReactNode } from 'react';
import { Link as RouterLink } from 'react-router-dom';
import Button from '@mui/material/Button';
import ArrowBackIcon from '@mui/icons-material/ArrowBack';

/** The way back from a detail page to the list it belongs to. */
export const BackLink = (props: { to: string; children: ReactNode }) => (
  <Button
    component={RouterLink}
    to={props.to}
    startIcon={<ArrowBackIcon />}
    size="small"
    sx={{ mb: 2 }}
  >
    {props.children}
  </Button>
);
