/**
 * Domain types, permissions and the API client shared by the Trellis platform
 * frontend and backend packages.
 *
 * @packageDocumentation
 */

export * from './phases';
export * from './types';
export * from './feed';
export * from './changeRequests';
export * from './permissions';
export * from './refs';
export * from './entities';
export * from './annotations';
export * from './specValidation';
export * from './platformApi';
export * from './client';
