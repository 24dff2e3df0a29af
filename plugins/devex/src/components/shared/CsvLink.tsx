import { useMemo } from 'react';
import Button from '@mui/material/Button';
import DownloadIcon from '@mui/icons-material/Download';
import { csvDataUrl, CsvValue, toCsv } from './csv';

/** A "CSV" button that downloads a table as it is shown (all its rows). */
export const CsvLink = (props: {
  filename: string;
  header: string[];
  rows: CsvValue[][];
  label: string;
}) => {
  const { filename, header, rows, label } = props;
  const href = useMemo(() => csvDataUrl(toCsv(header, rows)), [header, rows]);
  return (
    <Button
      size="small"
      component="a"
      href={href}
      download={filename}
      startIcon={<DownloadIcon />}
      aria-label={`Download ${label} as CSV`}
    >
      CSV
    </Button>
  );
};
