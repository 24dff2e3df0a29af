/**
 * Domain types shared by the Trellis platform frontend and backend packages.
 *
 * @packageDocumentation
 */

export * from './phases';
