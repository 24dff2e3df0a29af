import { Content, Header } from '@backstage/core-components';
import { WelcomeTitle } from '@backstage/plugin-home';
import { HomePageLayoutProps } from '@backstage/plugin-home-react/alpha';
import { makeStyles } from '@material-ui/core';

const useStyles = makeStyles(theme => ({
  grid: {
    display: 'grid',
    gap: theme.spacing(3),
    alignItems: 'start',
    gridTemplateColumns: 'minmax(0, 1fr)',
    [theme.breakpoints.up('md')]: {
      gridTemplateColumns: 'repeat(2, minmax(0, 1fr))',
    },
  },
}));

/**
 * The home page: a greeting and the widgets in a grid that reflows from
 * two columns to one as the window narrows. Backstage's default layout
 * is a drag-and-drop grid of fixed rows that overlaps and clips cards on
 * narrow screens; this one never does. `defaultConfig` in app-config.yaml
 * picks the widgets and their order (by row, then column); without it every
 * installed widget is shown.
 */
export const HomeLayout = (props: HomePageLayoutProps) => {
  const classes = useStyles();
  const { widgets, defaultConfig } = props;
  let shown = widgets;
  if (defaultConfig?.length) {
    const order = [...defaultConfig].sort(
      (a, b) => a.row - b.row || a.column - b.column,
    );
    shown = order.flatMap(item => {
      const widget = widgets.find(w => w.name === item.component);
      return widget ? [widget] : [];
    });
  }
  return (
    <>
      <Header
        title={<WelcomeTitle />}
        pageTitleOverride="Home"
        subtitle="Your resources, golden paths and what the platform offers"
      />
      <Content>
        <div className={classes.grid}>
          {shown.map((widget, index) => (
            <section
              key={widget.name ?? index}
              aria-label={widget.title ?? widget.name}
            >
              {widget.component}
            </section>
          ))}
        </div>
      </Content>
    </>
  );
};
