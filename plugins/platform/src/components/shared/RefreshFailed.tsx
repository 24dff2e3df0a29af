import Alert from '@mui/material/Alert';

/**
 * Says that what the page shows is the last answer it had, since reading it
 * again failed; nothing when the last read went through.
 */
export const RefreshFailed = (props: {
  error: Error | undefined;
  /** What is shown, as in "the last known state". */
  what: string;
}) =>
  props.error ? (
    <Alert severity="warning" sx={{ mb: 2 }}>
      Showing the last known {props.what}: refreshing failed (
      {props.error.message}).
    </Alert>
  ) : null;
