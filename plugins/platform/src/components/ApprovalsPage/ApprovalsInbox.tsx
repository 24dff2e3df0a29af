import { useState } from 'react';
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { EmptyState, ResponseErrorPanel } from '@backstage/core-components';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Link from '@mui/material/Link';
import Skeleton from '@mui/material/Skeleton';
import Tab from '@mui/material/Tab';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tabs from '@mui/material/Tabs';
import Typography from '@mui/material/Typography';
import {
  CHANGE_REQUEST_SIGNAL_CHANNEL,
  ChangeRequest,
  ChangeRequestPage,
  ListChangeRequestsQuery,
} from '@trellis/backstage-plugin-platform-common';
import { platformApiRef } from '../../api';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useRefreshable } from '../../hooks/useRefreshable';
import { useSignalChannels } from '../../hooks/useSignalChannels';
import { changeRequestRouteRef } from '../../routes';
import { LiveStatusNote } from '../shared/LiveStatusNote';
import { PageHeader } from '../shared/PageHeader';
import { RefreshFailed } from '../shared/RefreshFailed';
import { formatDateTime, formatRelative } from '../shared/format';
import { useResourceLink } from '../shared/links';
import { TableScroll } from '../shared/TableScroll';
import { expiresText, operationLabel, requesterText } from './approvals';
import { ReasonChips } from './ReasonChips';
import { StatusChip } from './StatusChip';
import { useCurrentUser } from './useCurrentUser';

type View = 'waiting' | 'mine' | 'all';

const VIEWS: Array<{ id: View; label: string }> = [
  { id: 'waiting', label: 'Waiting for me' },
  { id: 'mine', label: 'My requests' },
  { id: 'all', label: 'All' },
];

const QUERIES: Record<View, ListChangeRequestsQuery> = {
  waiting: { status: ['pending'], limit: 100 },
  mine: { mine: true, limit: 100 },
  all: { limit: 100 },
};

const EMPTY: Record<View, { title: string; description: string }> = {
  waiting: {
    title: 'Nothing waits for you',
    description:
      'Changes that need a person’s approval (production deletes, changes made by agents) appear here while they wait.',
  },
  mine: {
    title: 'You have no change requests',
    description:
      'When a change of yours needs approval, it waits here until someone approves or rejects it.',
  },
  all: {
    title: 'No change requests yet',
    description:
      'Change requests appear when a change needs a person’s approval.',
  },
};

const ChangeRequestTable = (props: {
  items: ChangeRequest[];
  showStatus: boolean;
}) => {
  const requestLink = useRouteRef(changeRequestRouteRef);
  const resourceLink = useResourceLink();
  return (
    <TableScroll label="Change requests">
      <Table size="small" aria-label="Change requests">
        <TableHead>
          <TableRow>
            <TableCell>Request</TableCell>
            <TableCell>Operation</TableCell>
            <TableCell>Resource</TableCell>
            <TableCell>Capability</TableCell>
            <TableCell>Environment</TableCell>
            <TableCell>Requested by</TableCell>
            <TableCell>Reasons</TableCell>
            {props.showStatus && <TableCell>Status</TableCell>}
            <TableCell>Age</TableCell>
            <TableCell>Expires</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {props.items.map(item => (
            <TableRow key={item.id} hover>
              <TableCell>
                <Link component={RouterLink} to={requestLink({ id: item.id })}>
                  Request {item.id}
                </Link>
              </TableCell>
              <TableCell>{operationLabel(item.operation)}</TableCell>
              <TableCell>
                {item.resource.id ? (
                  <Link
                    component={RouterLink}
                    to={resourceLink(item.resource.id)}
                  >
                    {item.resource.name}
                  </Link>
                ) : (
                  item.resource.name
                )}
              </TableCell>
              <TableCell>{item.resource.capability}</TableCell>
              <TableCell>{item.resource.environment}</TableCell>
              <TableCell>{requesterText(item)}</TableCell>
              <TableCell>
                <ReasonChips reasons={item.reasons} />
              </TableCell>
              {props.showStatus && (
                <TableCell>
                  <StatusChip status={item.status} />
                </TableCell>
              )}
              <TableCell title={formatDateTime(item.createdAt)}>
                {formatRelative(item.createdAt)}
              </TableCell>
              <TableCell title={formatDateTime(item.expiresAt)}>
                {expiresText(item) ?? '—'}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableScroll>
  );
};

/**
 * The approvals inbox: change requests waiting for the viewer (pending, not
 * their own), their own, and all of them. Follows the `platform:approvals`
 * signal channel: a request arriving or being decided elsewhere shows at once.
 */
export const ApprovalsInbox = () => {
  const api = useApi(platformApiRef);
  const me = useCurrentUser();
  const [params, setParams] = useSearchParams();
  const view = (VIEWS.find(v => v.id === params.get('view'))?.id ??
    'waiting') as View;
  usePageTitle('Approvals', 'Platform');
  // More pages are appended by "Show more"; a refresh reads the first again.
  const [more, setMore] = useState<{ view: View; pages: ChangeRequestPage[] }>({
    view,
    pages: [],
  });
  const first = useRefreshable(
    () => api.listChangeRequests(QUERIES[view]),
    [api, view],
    view,
  );
  const live = useSignalChannels([CHANGE_REQUEST_SIGNAL_CHANNEL], () => {
    setMore({ view, pages: [] });
    first.refresh();
  });

  const pages = first.value
    ? [first.value, ...(more.view === view ? more.pages : [])]
    : [];
  const last = pages[pages.length - 1];
  let items = pages.flatMap(page => page.items);
  if (view === 'waiting') {
    items = items.filter(item => item.requestedBy !== me);
  }

  const loadMore = async () => {
    if (!last?.nextCursor) return;
    const next = await api.listChangeRequests({
      ...QUERIES[view],
      cursor: last.nextCursor,
    });
    setMore(current => ({
      view,
      pages: current.view === view ? [...current.pages, next] : [next],
    }));
  };

  let body;
  if (!first.value && first.loading) {
    body = (
      <Box aria-busy="true" aria-label="Loading change requests">
        <Skeleton variant="rectangular" height={40} sx={{ mb: 1 }} />
        <Skeleton variant="rectangular" height={40} sx={{ mb: 1 }} />
        <Skeleton variant="rectangular" height={40} />
      </Box>
    );
  } else if (!first.value) {
    body = (
      <ResponseErrorPanel
        error={first.error ?? new Error('No answer')}
        title="Could not load the change requests"
      />
    );
  } else if (items.length === 0 && !last?.nextCursor) {
    body = (
      <EmptyState
        missing="content"
        title={EMPTY[view].title}
        description={EMPTY[view].description}
      />
    );
  } else {
    body = (
      <>
        <ChangeRequestTable items={items} showStatus={view !== 'waiting'} />
        {last?.nextCursor && (
          <Button sx={{ mt: 2 }} onClick={loadMore}>
            Show more
          </Button>
        )}
      </>
    );
  }

  return (
    <>
      <PageHeader>
        <Typography variant="h4" component="h2">
          Approvals
        </Typography>
        <LiveStatusNote live={live} onRefresh={first.refresh} />
      </PageHeader>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        Changes that wait for a person: approve or reject them with a comment.
        An approved change is applied by the platform at once.
      </Typography>
      <Tabs
        value={view}
        onChange={(_, next: View) => {
          setParams(next === 'waiting' ? {} : { view: next });
        }}
        aria-label="Change requests"
        sx={{ mb: 2 }}
      >
        {VIEWS.map(v => (
          <Tab key={v.id} value={v.id} label={v.label} />
        ))}
      </Tabs>
      {first.value && <RefreshFailed error={first.error} what="list" />}
      {body}
    </>
  );
};
