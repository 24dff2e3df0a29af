import { makeStyles } from '@material-ui/core';
import { TrellisMark } from './TrellisMark';

const useStyles = makeStyles({
  root: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: 10,
  },
  name: {
    color: '#ffffff',
    fontSize: 26,
    fontWeight: 700,
    letterSpacing: '0.02em',
    lineHeight: 1,
  },
});

/** The open sidebar's logo: the mark and the product's name. */
export const LogoFull = () => {
  const classes = useStyles();
  return (
    <span className={classes.root}>
      <TrellisMark size={32} />
      <span className={classes.name}>Trellis</span>
    </span>
  );
};
