/**
 * Test utilities for engines and platform consumers.
 *
 * @packageDocumentation
 */
export { InMemoryEngine, testCapability } from './InMemoryEngine';
export type { InMemoryEngineOptions } from './InMemoryEngine';
