/**
 * The Kubernetes engine (Kratix and Crossplane) module for the Trellis platform backend plugin.
 *
 * @packageDocumentation
 */
export { platformModuleKubernetes as default } from './module';
