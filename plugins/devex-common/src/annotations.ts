/**
 * The annotation golden-path templates put on the components they create:
 * the entity ref of the template, e.g.
 * `trellis.dev/golden-path: template:default/node-service-with-database`.
 * Metrics use it to tell golden-path components from the others.
 *
 * @public
 */
export const GOLDEN_PATH_ANNOTATION = 'trellis.dev/golden-path';
