import { Link as RouterLink } from 'react-router-dom';
import { alpha, useTheme } from '@mui/material/styles';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Chip from '@mui/material/Chip';
import LinearProgress from '@mui/material/LinearProgress';
import Link from '@mui/material/Link';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import UpgradeIcon from '@mui/icons-material/Upgrade';
import { ResourcePhase } from '@trellis/backstage-plugin-platform-common';
import { phaseColor } from '../shared/PhaseChip';
import { TableScroll } from '../shared/TableScroll';
import { WithReason } from '../shared/WithReason';
import { formatCount, formatInstances } from '../shared/format';
import { useCapabilityLink, useInventoryLink } from '../shared/links';
import { CapabilityFleet, UNKNOWN_VERSION, versionTotal } from './fleet';

/** A count tinted by its phase's colour, stronger for larger shares. */
const HeatCell = (props: {
  phase: ResourcePhase;
  count: number;
  max: number;
  href: string;
}) => {
  const theme = useTheme();
  const { phase, count, max, href } = props;
  const color = phaseColor(phase);
  const base =
    color && color !== 'default'
      ? theme.palette[color].main
      : theme.palette.text.secondary;
  const strength = count > 0 ? 0.12 + 0.4 * (count / Math.max(max, 1)) : 0;
  return (
    <TableCell
      align="right"
      sx={{ backgroundColor: count > 0 ? alpha(base, strength) : undefined }}
    >
      {count > 0 ? (
        <Link component={RouterLink} to={href} color="inherit">
          {formatCount(count)}
        </Link>
      ) : (
        <Typography component="span" color="text.disabled">
          0
        </Typography>
      )}
    </TableCell>
  );
};

/** One capability's instances by version and phase, with its rollout button. */
export const CapabilityFleetCard = (props: {
  fleet: CapabilityFleet;
  rolloutReason?: string;
  onStartRollout: () => void;
}) => {
  const { fleet, rolloutReason, onStartRollout } = props;
  const capabilityLink = useCapabilityLink();
  const inventoryLink = useInventoryLink();
  const capability = fleet.capability;
  const title = capability?.title ?? fleet.capabilityRef;
  const current = capability ? versionTotal(fleet, capability.version) : 0;
  const share = fleet.total ? (current / fleet.total) * 100 : 0;
  const max = Math.max(
    0,
    ...[...fleet.counts.values()].flatMap(phases => [...phases.values()]),
  );
  const titleId = `fleet-${fleet.capabilityRef}`;

  return (
    <Card variant="outlined" component="section" aria-labelledby={titleId}>
      <CardContent>
        <Box
          sx={{
            display: 'flex',
            alignItems: 'center',
            gap: 2,
            flexWrap: 'wrap',
          }}
        >
          <Typography variant="h6" component="h3" id={titleId}>
            <Link
              component={RouterLink}
              to={capabilityLink(fleet.capabilityRef)}
            >
              {title}
            </Link>
          </Typography>
          {capability && (
            <Chip
              size="small"
              color="primary"
              label={`current ${capability.version}`}
            />
          )}
          <Typography variant="body2" color="text.secondary">
            {formatInstances(fleet.total)}
            {fleet.behind > 0 && ` · ${formatCount(fleet.behind)} behind`}
            {fleet.unknown > 0 &&
              ` · ${formatCount(fleet.unknown)} unknown version`}
          </Typography>
          <Box sx={{ flexGrow: 1 }} />
          {capability && (
            <WithReason reason={rolloutReason}>
              <Button
                variant="outlined"
                size="small"
                startIcon={<UpgradeIcon />}
                onClick={onStartRollout}
                disabled={Boolean(rolloutReason)}
                aria-label={`Start rollout of ${title}`}
              >
                Start rollout
              </Button>
            </WithReason>
          )}
        </Box>
        {capability && (
          <Box sx={{ my: 1 }}>
            <LinearProgress
              variant="determinate"
              value={share}
              color={fleet.behind > 0 ? 'warning' : 'success'}
              aria-label={`${Math.round(share)}% of ${title} on ${
                capability.version
              }`}
            />
          </Box>
        )}
        <TableScroll label={`${title} by version and phase`}>
          <Table size="small" aria-label={`${title} by version and phase`}>
            <TableHead>
              <TableRow>
                <TableCell>Version</TableCell>
                {fleet.phases.map(phase => (
                  <TableCell key={phase} align="right">
                    {phase}
                  </TableCell>
                ))}
                <TableCell align="right">Total</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {fleet.versions.map(version => {
                const isCurrent = version === capability?.version;
                const isBehind =
                  !isCurrent &&
                  version !== UNKNOWN_VERSION &&
                  Boolean(capability);
                return (
                  <TableRow key={version}>
                    <TableCell
                      component="th"
                      scope="row"
                      sx={{ whiteSpace: 'nowrap' }}
                    >
                      {version === UNKNOWN_VERSION ? 'Not reported' : version}{' '}
                      {isCurrent && (
                        <Chip
                          size="small"
                          color="success"
                          variant="outlined"
                          label="current"
                        />
                      )}
                      {isBehind && (
                        <Chip
                          size="small"
                          color="warning"
                          variant="outlined"
                          label="behind"
                        />
                      )}
                    </TableCell>
                    {fleet.phases.map(phase => (
                      <HeatCell
                        key={phase}
                        phase={phase}
                        count={fleet.counts.get(version)?.get(phase) ?? 0}
                        max={max}
                        href={inventoryLink({
                          capability: fleet.capabilityRef,
                          phase,
                        })}
                      />
                    ))}
                    <TableCell align="right">
                      {formatCount(versionTotal(fleet, version))}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </TableScroll>
      </CardContent>
    </Card>
  );
};
