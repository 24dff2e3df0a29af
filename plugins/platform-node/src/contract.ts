// PlatformService (in-process and over HTTP) held against PlatformApi, whose
// answers platform-common/src/contract.ts holds against the types generated
// from openapi.yaml. Nothing here runs: when a method of the two disagrees,
// this file does not compile.
import type { PlatformApi } from '@trellis/backstage-plugin-platform-common';
import type { PlatformService } from './service';

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B
  ? 1
  : 2
  ? true
  : false;

/** The operations both have, with the same name. */
type Shared = Exclude<
  Extract<keyof PlatformService, keyof PlatformApi>,
  'createResource'
>;

/** Every shared operation answers what the HTTP API answers. */
type SameAnswers = {
  [M in Shared]: Same<
    Awaited<ReturnType<PlatformService[M]>>,
    Awaited<ReturnType<PlatformApi[M]>>
  >;
};

/**
 * createResource also says whether it created; its resource, or its change
 * request, is the API's.
 */
type CreateChecks = Same<
  | Extract<
      Awaited<ReturnType<PlatformService['createResource']>>,
      { resource: unknown }
    >['resource']
  | Exclude<
      Awaited<ReturnType<PlatformService['createResource']>>,
      { resource: unknown }
    >,
  Awaited<ReturnType<PlatformApi['createResource']>>
>;

/** Does not compile unless every entry is `true`. */
type AllTrue<T extends Record<string, true>> = T;
export type PlatformServiceContract = [
  AllTrue<SameAnswers>,
  AllTrue<{ createResource: CreateChecks }>,
];
