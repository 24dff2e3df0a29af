import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import CardHeader from '@mui/material/CardHeader';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';

type Health = { status: string; engines: { id: string; title: string }[] };

/** Which orchestration engines the platform API runs on (from /health). */
export const EnginesPanel = (props: {
  health: Health | undefined;
  loading: boolean;
  error: Error | undefined;
}) => {
  const { health, loading, error } = props;
  let body;
  if (loading) {
    body = <Skeleton variant="rectangular" height={48} />;
  } else if (error) {
    body = (
      <Typography variant="body2" color="error">
        Engine status unavailable: {error.message}
      </Typography>
    );
  } else if (!health || health.engines.length === 0) {
    body = (
      <Typography variant="body2" color="text.secondary">
        No orchestration engine registered.
      </Typography>
    );
  } else {
    body = (
      <List dense disablePadding>
        {health.engines.map(engine => (
          <ListItem key={engine.id} disableGutters>
            <ListItemText primary={engine.title} secondary={engine.id} />
          </ListItem>
        ))}
      </List>
    );
  }
  return (
    <Card variant="outlined" component="section" aria-label="Engines">
      <CardHeader
        title="Engines"
        titleTypographyProps={{ variant: 'subtitle1', component: 'h2' }}
        sx={{ pb: 0 }}
      />
      <CardContent>{body}</CardContent>
    </Card>
  );
};
