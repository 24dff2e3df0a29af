/**
 * The DevEx fact source extension point: backend modules feed facts to the
 * devex plugin the way engines plug into the platform plugin.
 *
 * @packageDocumentation
 */
export * from './sources';
