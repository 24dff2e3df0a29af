import { createBackend } from '@backstage/backend-defaults';

// Runs the platform plugin on its own: `yarn start` in this package, then
//   curl http://localhost:7007/api/platform/health
const backend = createBackend();
backend.add(import('../src'));
backend.start();
