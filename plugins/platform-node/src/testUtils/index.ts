/**
 * Test utilities for engines and platform consumers.
 *
 * @packageDocumentation
 */
export { InMemoryEngine, testCapability } from './InMemoryEngine';
export type {
  InMemoryEngineCall,
  InMemoryEngineOptions,
} from './InMemoryEngine';
