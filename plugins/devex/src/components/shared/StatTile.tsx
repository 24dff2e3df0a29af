import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Typography from '@mui/material/Typography';

/** One headline figure; its label names it for screen readers too. */
export const StatTile = (props: {
  label: string;
  value: string;
  detail?: string;
}) => (
  <Card variant="outlined" sx={{ height: '100%' }}>
    <CardContent>
      <Typography variant="overline" component="p" color="text.secondary">
        {props.label}
      </Typography>
      <Typography variant="h5" component="p" aria-label={props.label}>
        {props.value}
      </Typography>
      {props.detail && (
        <Typography variant="body2" color="text.secondary">
          {props.detail}
        </Typography>
      )}
    </CardContent>
  </Card>
);
