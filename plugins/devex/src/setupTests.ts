import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// Whole-app renders with lazy-loaded pages are slow on a busy CI machine;
// no test asserts on time, so waiting longer only avoids flakes.
configure({ asyncUtilTimeout: 5_000 });
jest.setTimeout(30_000);
