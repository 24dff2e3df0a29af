import '@backstage/cli/asset-types';
import ReactDOM from 'react-dom/client';
import App from './App';
import '@backstage/ui/css/styles.css';

// Backstage keeps the sidebar pinned open unless the user unpinned it, and
// below 1280 px it offers no button to unpin. On a first visit from a narrow
// window, start collapsed (icons only, as Backstage's small-screen sidebar
// is meant to be), so the page gets the width; the user's own choice wins.
if (
  window.localStorage.getItem('sidebarPinState') === null &&
  window.matchMedia('(max-width: 1279.95px)').matches
) {
  window.localStorage.setItem('sidebarPinState', 'false');
}

ReactDOM.createRoot(document.getElementById('root')!).render(App.createRoot());
