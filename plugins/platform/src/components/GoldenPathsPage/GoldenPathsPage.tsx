import { Link as RouterLink } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Chip from '@mui/material/Chip';
import Grid from '@mui/material/Grid';
import Link from '@mui/material/Link';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import useMediaQuery from '@mui/material/useMediaQuery';
import { Theme } from '@mui/material/styles';
import { usePageTitle } from '../../hooks/usePageTitle';
import { requestTemplateRouteRef } from '../../routes';
import { TableScroll } from '../shared/TableScroll';
import { formatCount, formatDuration, formatPercent } from '../shared/format';
import {
  goldenPathStats,
  GoldenPathStats,
  platformActionsOf,
} from './goldenPaths';
import { GOLDEN_PATH_DAYS, useGoldenPathFigures } from './useGoldenPathFigures';

const Tile = (props: { label: string; value: string }) => (
  <Card variant="outlined">
    <CardContent>
      <Typography variant="overline" component="p" color="text.secondary">
        {props.label}
      </Typography>
      <Typography variant="h5" component="p">
        {props.value}
      </Typography>
    </CardContent>
  </Card>
);

function useTemplateLink() {
  const scaffolderTemplate = useRouteRef(requestTemplateRouteRef);
  return (stats: GoldenPathStats) => {
    const namespace = stats.template.metadata.namespace ?? 'default';
    const templateName = stats.template.metadata.name;
    return scaffolderTemplate
      ? scaffolderTemplate({ namespace, templateName })
      : `/create/templates/${namespace}/${templateName}`;
  };
}

/**
 * The golden paths that use the platform: scaffolder templates with
 * `platform:*` steps, with how often each ran, how often it worked, how long
 * it took and the time it saved over the last 90 days, from the DevEx
 * metrics (the devex backend measures the scaffolder's task outcomes).
 */
export const GoldenPathsPage = () => {
  usePageTitle('Golden paths', 'Platform');
  const catalogApi = useApi(catalogApiRef);
  const figures = useGoldenPathFigures();
  const templateLink = useTemplateLink();
  // On narrow screens the actions move under the template's name.
  const narrow = useMediaQuery((theme: Theme) => theme.breakpoints.down('md'));

  const templates = useAsync(async () => {
    const response = await catalogApi.getEntities({
      filter: { kind: 'Template' },
    });
    return response.items.filter(t => platformActionsOf(t).length > 0);
  }, [catalogApi]);

  if (templates.loading) return <Progress />;
  if (templates.error) {
    return (
      <ResponseErrorPanel
        error={templates.error}
        title="Could not load templates from the catalog"
      />
    );
  }
  if (!templates.value || templates.value.length === 0) {
    return (
      <EmptyState
        missing="content"
        title="No golden paths use the platform yet"
        description="Scaffolder templates whose steps use platform:* actions show up here. The platform's catalog module generates one per capability; you can also write your own with platform:resource:request."
      />
    );
  }

  const stats = goldenPathStats(templates.value, figures.report);
  const haveStats = Boolean(figures.report);
  stats.sort(
    (a, b) => b.runs - a.runs || a.entityRef.localeCompare(b.entityRef),
  );
  const totalRuns = stats.reduce((sum, s) => sum + s.runs, 0);
  const completed = stats.reduce((sum, s) => sum + s.completed, 0);
  const failed = stats.reduce((sum, s) => sum + s.failed, 0);
  const saved = stats.reduce((sum, s) => sum + (s.timeSavedMs ?? 0), 0);
  const statText = (text: string) => (haveStats ? text : '—');

  return (
    <Box component="section" aria-label="Golden paths">
      {figures.notInstalled && (
        <Alert severity="info" sx={{ mb: 2 }}>
          Run statistics come from Trellis DevEx, which this portal's backend
          does not have, so there are none here (rather than zeros). Install{' '}
          <code>@trellis/backstage-plugin-devex-backend</code> in the backend
          (see its README) to see runs, success rate and time saved.
        </Alert>
      )}
      {figures.error && (
        <Alert severity="warning" sx={{ mb: 2 }}>
          Run statistics unavailable: {figures.error.message}
        </Alert>
      )}
      {figures.report && (
        <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
          Runs of the last {GOLDEN_PATH_DAYS} days, as DevEx measured them from
          the scaffolder's task outcomes.
        </Typography>
      )}
      <Grid container spacing={2} sx={{ mb: 2 }}>
        <Grid item xs={6} md={3}>
          <Tile label="Golden paths" value={formatCount(stats.length)} />
        </Grid>
        <Grid item xs={6} md={3}>
          <Tile label="Runs" value={statText(formatCount(totalRuns))} />
        </Grid>
        <Grid item xs={6} md={3}>
          <Tile
            label="Success rate"
            value={statText(
              formatPercent(
                completed + failed
                  ? completed / (completed + failed)
                  : undefined,
              ),
            )}
          />
        </Grid>
        <Grid item xs={6} md={3}>
          <Tile label="Time saved" value={statText(formatDuration(saved))} />
        </Grid>
      </Grid>
      {figures.loading && <Progress />}
      <TableScroll label="Golden paths">
        <Table size="small" aria-label="Golden paths">
          <TableHead>
            <TableRow>
              <TableCell>Template</TableCell>
              {!narrow && <TableCell>Platform actions</TableCell>}
              <TableCell align="right">Runs</TableCell>
              <TableCell align="right">Success rate</TableCell>
              <TableCell align="right">Median duration</TableCell>
              <TableCell align="right">Time saved</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {stats.map(s => (
              <TableRow key={s.entityRef} hover>
                <TableCell sx={{ minWidth: 200 }}>
                  <Link component={RouterLink} to={templateLink(s)}>
                    {s.template.metadata.title ?? s.template.metadata.name}
                  </Link>
                  {s.template.metadata.description && (
                    <Typography variant="body2" color="text.secondary">
                      {s.template.metadata.description}
                    </Typography>
                  )}
                  {narrow && (
                    <Typography variant="caption" color="text.secondary">
                      Uses {s.actions.join(', ')}
                    </Typography>
                  )}
                </TableCell>
                {!narrow && (
                  <TableCell>
                    <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5 }}>
                      {s.actions.map(action => (
                        <Chip
                          key={action}
                          size="small"
                          variant="outlined"
                          label={action}
                        />
                      ))}
                    </Box>
                  </TableCell>
                )}
                <TableCell align="right">
                  {statText(formatCount(s.runs))}
                </TableCell>
                <TableCell align="right">
                  {statText(formatPercent(s.successRate))}
                </TableCell>
                <TableCell align="right">
                  {statText(formatDuration(s.medianDurationMs))}
                </TableCell>
                <TableCell
                  align="right"
                  title={
                    s.timeSavedPerRunMs === undefined
                      ? 'The template has no backstage.io/time-saved annotation'
                      : `${formatDuration(
                          s.timeSavedPerRunMs,
                        )} per successful run`
                  }
                >
                  {statText(formatDuration(s.timeSavedMs))}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableScroll>
    </Box>
  );
};
