import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/core-plugin-api';
import {
  EmptyState,
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { ResponseError } from '@backstage/errors';
import List from '@mui/material/List';
import ListItem from '@mui/material/ListItem';
import ListItemText from '@mui/material/ListItemText';
import useAsync from 'react-use/esm/useAsync';

type Health = { status: string; engines: { id: string; title: string }[] };

/** What the platform API reports about itself: which engines it runs on. */
export const PlatformOverview = () => {
  const discoveryApi = useApi(discoveryApiRef);
  const fetchApi = useApi(fetchApiRef);

  const { value, loading, error } = useAsync(async (): Promise<Health> => {
    const baseUrl = await discoveryApi.getBaseUrl('platform');
    const response = await fetchApi.fetch(`${baseUrl}/health`);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return response.json();
  }, [discoveryApi, fetchApi]);

  if (loading) {
    return <Progress />;
  }
  if (error) {
    return (
      <ResponseErrorPanel error={error} title="Platform API unavailable" />
    );
  }
  if (!value || value.engines.length === 0) {
    return (
      <EmptyState
        missing="data"
        title="No orchestration engine registered"
        description="The platform API is running, but no engine module is installed in the backend, so there are no capabilities to offer yet."
      />
    );
  }
  return (
    <InfoCard title="Orchestration engines">
      <List dense>
        {value.engines.map(engine => (
          <ListItem key={engine.id}>
            <ListItemText primary={engine.title} secondary={engine.id} />
          </ListItem>
        ))}
      </List>
    </InfoCard>
  );
};
