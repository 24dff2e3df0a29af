import { forwardRef, useCallback, useEffect, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import Skeleton from '@mui/material/Skeleton';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import {
  DeliveryChangeEvidence,
  DeliveryDeploymentEvidence,
  DeliveryEvidenceKind,
  DeliveryEvidencePage,
  DeliveryIncidentEvidence,
} from '@trellis/backstage-plugin-devex-common';
import { devexApiRef } from '../../api';
import { Column, DataTable } from '../shared/DataTable';
import { formatSeconds, shortEntityRef } from '../shared/format';
import { csvName } from '../shared/MetricView';
import { DevexFilters } from '../shared/useDevexFilters';

const KINDS: { kind: DeliveryEvidenceKind; title: string }[] = [
  { kind: 'deployments', title: 'Deployments' },
  { kind: 'changes', title: 'Changes' },
  { kind: 'incidents', title: 'Incidents' },
];

const when = (iso?: string) =>
  iso
    ? new Date(iso).toLocaleString(undefined, {
        dateStyle: 'medium',
        timeStyle: 'short',
      })
    : '—';
const linked = (text: string, url?: string) =>
  url ? (
    <Link href={url} target="_blank" rel="noopener">
      {text}
    </Link>
  ) : (
    text
  );
const shortSha = (sha?: string) => (sha ? sha.slice(0, 7) : '—');

const deploymentColumns: Column<DeliveryDeploymentEvidence>[] = [
  { title: 'Deployed', value: d => d.time, render: d => when(d.time) },
  {
    title: 'Component',
    value: d => d.component,
    render: d => shortEntityRef(d.component),
  },
  { title: 'Environment', value: d => d.environment },
  { title: 'Status', value: d => d.status },
  {
    title: 'Sha',
    value: d => d.sha,
    render: d => linked(shortSha(d.sha), d.url),
  },
  { title: 'Changes', value: d => d.changes, align: 'right' },
  {
    title: 'Failed',
    value: d => d.failed,
    render: d => {
      if (!d.failed) return 'No';
      return d.failedBy?.rollback ? 'Rolled back' : 'Incident';
    },
  },
  {
    title: 'Rework',
    value: d => d.rework,
    render: d => (d.rework ? 'During an incident' : 'No'),
  },
];

const changeColumns: Column<DeliveryChangeEvidence>[] = [
  { title: 'Merged', value: c => c.mergedAt, render: c => when(c.mergedAt) },
  {
    title: 'Component',
    value: c => c.component,
    render: c => shortEntityRef(c.component),
  },
  {
    title: 'Change',
    value: c => c.url ?? c.subject,
    render: c => linked(c.number ? `${c.repo}#${c.number}` : c.subject, c.url),
  },
  {
    title: 'First commit',
    value: c => c.firstCommitAt,
    render: c => when(c.firstCommitAt),
  },
  {
    title: 'In production',
    value: c => c.deployedAt,
    render: c => (c.deployedAt ? when(c.deployedAt) : 'Not yet'),
  },
  {
    title: 'Lead time',
    value: c => c.leadTimeSeconds,
    render: c => formatSeconds(c.leadTimeSeconds),
    align: 'right',
  },
];

const incidentColumns: Column<DeliveryIncidentEvidence>[] = [
  { title: 'Opened', value: i => i.openedAt, render: i => when(i.openedAt) },
  {
    title: 'Component',
    value: i => i.component,
    render: i => shortEntityRef(i.component),
  },
  {
    title: 'Incident',
    value: i => i.title ?? i.subject,
    render: i => linked(i.title ?? i.subject, i.url),
  },
  { title: 'Severity', value: i => i.severity },
  {
    title: 'Resolved',
    value: i => i.resolvedAt,
    render: i => (i.resolvedAt ? when(i.resolvedAt) : 'Open'),
  },
  {
    title: 'Recovery',
    value: i => i.recoverySeconds,
    render: i => formatSeconds(i.recoverySeconds),
    align: 'right',
  },
];

type Item = DeliveryEvidencePage['items'][number];

/**
 * The facts behind the delivery figures, newest first, a page at a time:
 * what a reader checks a number against.
 */
export const DeliveryEvidence = forwardRef<
  HTMLDivElement,
  {
    filters: DevexFilters;
    kind: DeliveryEvidenceKind;
    component?: string;
    onChange: (kind: DeliveryEvidenceKind, component?: string) => void;
  }
>((props, ref) => {
  const { filters, kind, component, onChange } = props;
  const devexApi = useApi(devexApiRef);
  const [items, setItems] = useState<Item[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<Error | undefined>();
  const { from, to, team } = filters;

  const load = useCallback(
    async (after?: string) => {
      setLoading(true);
      setError(undefined);
      try {
        const page = await devexApi.getDeliveryEvidence({
          kind,
          from,
          to,
          team,
          component,
          after,
          limit: 50,
        });
        setItems(previous =>
          after ? [...previous, ...page.items] : page.items,
        );
        setNext(page.next);
      } catch (e) {
        setError(e as Error);
      } finally {
        setLoading(false);
      }
    },
    [devexApi, kind, from, to, team, component],
  );
  useEffect(() => {
    setItems([]);
    load();
  }, [load]);

  const name = csvName(filters, 'delivery', `evidence-${kind}`);
  const title = `Evidence: ${KINDS.find(
    k => k.kind === kind,
  )!.title.toLowerCase()}`;
  const table = () => {
    const common = {
      title,
      filename: name,
      rowKey: (row: { subject: string }, i: number) => `${row.subject}/${i}`,
      subheader: component
        ? `Of ${shortEntityRef(component)}, newest first`
        : 'Newest first',
    };
    if (kind === 'deployments') {
      return (
        <DataTable
          {...common}
          columns={deploymentColumns}
          rows={items as DeliveryDeploymentEvidence[]}
          emptyText="No production deployment in this range."
        />
      );
    }
    if (kind === 'changes') {
      return (
        <DataTable
          {...common}
          columns={changeColumns}
          rows={items as DeliveryChangeEvidence[]}
          emptyText="No change reached production or was merged in this range."
        />
      );
    }
    return (
      <DataTable
        {...common}
        columns={incidentColumns}
        rows={items as DeliveryIncidentEvidence[]}
        emptyText="No incident in this range."
      />
    );
  };

  return (
    <Box
      ref={ref}
      component="section"
      aria-label="Evidence"
      sx={{ scrollMarginTop: 16 }}
    >
      <Box
        sx={{
          display: 'flex',
          gap: 2,
          alignItems: 'center',
          flexWrap: 'wrap',
          mb: 1,
        }}
      >
        <ToggleButtonGroup
          size="small"
          exclusive
          value={kind}
          aria-label="Evidence kind"
          onChange={(_, value) => value && onChange(value, component)}
        >
          {KINDS.map(k => (
            <ToggleButton key={k.kind} value={k.kind}>
              {k.title}
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
        {component && (
          <Chip
            label={shortEntityRef(component)}
            onDelete={() => onChange(kind, undefined)}
            aria-label={`Only ${shortEntityRef(component)}`}
          />
        )}
      </Box>
      {error ? (
        <Alert severity="warning">
          Could not load the evidence: {error.message}
        </Alert>
      ) : (
        <>
          {loading && items.length === 0 ? (
            <Skeleton
              variant="rounded"
              height={200}
              aria-label="Loading evidence"
            />
          ) : (
            table()
          )}
          {next && (
            <Box sx={{ mt: 1, textAlign: 'center' }}>
              <Button onClick={() => load(next)} disabled={loading}>
                Show more
              </Button>
            </Box>
          )}
        </>
      )}
    </Box>
  );
});
