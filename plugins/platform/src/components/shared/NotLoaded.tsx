import { ReactNode } from 'react';
import {
  EmptyState,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { statusOf } from './errors';

/**
 * What a detail page shows until the thing it is about has loaded: progress
 * while it loads; then, if it did not, the way back and why: not found (the
 * platform answers 404 also for what the viewer may not see) or the error.
 */
export const NotLoaded = (props: {
  loading: boolean;
  error: Error | undefined;
  /** What the page is about, as in "Could not load the resource". */
  what: string;
  notFound: { title: string; description: string };
  back: ReactNode;
}) => {
  const { loading, error, what, notFound, back } = props;
  if (loading) return <Progress />;
  return (
    <>
      {back}
      {statusOf(error) === 404 ? (
        <EmptyState
          missing="data"
          title={notFound.title}
          description={notFound.description}
        />
      ) : (
        <ResponseErrorPanel
          error={error ?? new Error(`No ${what}`)}
          title={`Could not load the ${what}`}
        />
      )}
    </>
  );
};
