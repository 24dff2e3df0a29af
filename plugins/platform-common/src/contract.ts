// The platform-common API types, held against the ones generated from the
// platform backend's openapi.yaml (./generated). Nothing here runs: when the
// spec and a type below disagree, this file does not compile, and the fix is
// in whichever of the two is wrong. The models are aliases of the generated
// ones (their docs are the spec's descriptions), so their checks hold as long
// as nobody turns one back into a copy; what is still written by hand (the
// list queries, ResourcePhase, the status list, what PlatformApi answers) is
// checked for real.
import type * as spec from './generated';
import type {
  ListResourceEventsQuery,
  ResourceFeedEvent,
  ResourceFeedPage,
  ResourceFeedResource,
} from './feed';
import type { ResourcePhase } from './phases';
import type {
  ApprovalReason,
  CHANGE_REQUEST_STATUSES,
  ChangeRequest,
  ChangeRequestPage,
  ChangeRequestStatus,
  ListChangeRequestsQuery,
  PendingApproval,
} from './changeRequests';
import type {
  Capability,
  CreateResourceRequest,
  CreateRolloutRequest,
  FleetCount,
  FleetSummary,
  JsonObject,
  ListResourcesQuery,
  PendingDispatch,
  PipelineLog,
  PlatformResource,
  ResourceCondition,
  ResourceEvent,
  ResourcePage,
  Rollout,
  RolloutItem,
  UpdateResourceRequest,
} from './types';
import type { PlatformApi } from './platformApi';

/** True only when A and B are the same type, optional members included. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B
  ? 1
  : 2
  ? true
  : false;

/** The answer of a PlatformApi method. */
type Answer<M extends keyof PlatformApi> = Awaited<ReturnType<PlatformApi[M]>>;

type Item<T> = T extends Array<infer I> ? I : never;

/** Each entry must be `true`; a `false` names the type that drifted. */
type ContractChecks = [
  // Models.
  Same<JsonObject, spec.JsonObject>,
  Same<ResourcePhase, spec.ResourcePhase>,
  Same<Capability, spec.Capability>,
  Same<PendingDispatch, spec.PendingDispatch>,
  Same<ResourceCondition, spec.Condition>,
  Same<PlatformResource, spec.PlatformResource>,
  Same<CreateResourceRequest, spec.CreateResourceRequest>,
  Same<UpdateResourceRequest, spec.UpdateResourceRequest>,
  Same<ResourcePage, spec.ResourcePage>,
  Same<ResourceEvent, spec.ResourceEvent>,
  Same<ResourceFeedResource, spec.ResourceFeedEvent['resource']>,
  Same<ResourceFeedEvent, spec.ResourceFeedEvent>,
  Same<ResourceFeedPage, spec.ResourceFeedPage>,
  Same<PipelineLog, spec.PipelineLog>,
  Same<FleetCount, Item<spec.FleetSummary['items']>>,
  Same<FleetSummary, spec.FleetSummary>,
  Same<CreateRolloutRequest, spec.CreateRolloutRequest>,
  Same<RolloutItem, Item<spec.Rollout['items']>>,
  Same<Rollout, spec.Rollout>,
  Same<ApprovalReason, spec.ApprovalReason>,
  Same<ChangeRequestStatus, spec.ChangeRequestStatus>,
  Same<(typeof CHANGE_REQUEST_STATUSES)[number], spec.ChangeRequestStatus>,
  Same<ChangeRequest, spec.ChangeRequest>,
  Same<PendingApproval, spec.PendingApproval>,
  Same<ChangeRequestPage, spec.ChangeRequestPage>,
  // Operations: what PlatformApi takes and answers.
  Same<ListResourcesQuery, NonNullable<spec.ListResources['query']>>,
  Same<ListResourceEventsQuery, NonNullable<spec.ListResourceEvents['query']>>,
  Same<ListChangeRequestsQuery, NonNullable<spec.ListChangeRequests['query']>>,
  Same<Answer<'getHealth'>, spec.GetHealthResponse>,
  Same<Answer<'listCapabilities'>, spec.ListCapabilitiesResponse['items']>,
  Same<Answer<'getCapability'>, spec.GetCapabilityResponse>,
  Same<Answer<'listResources'>, spec.ListResourcesResponse>,
  Same<Answer<'getResource'>, spec.GetResourceResponse>,
  Same<Answer<'createResource'>, spec.CreateResourceResponse>,
  Same<Answer<'updateResource'>, spec.UpdateResourceResponse>,
  Same<Answer<'deleteResource'>, spec.DeleteResourceResponse>,
  Same<Answer<'retryResource'>, spec.RetryResourceResponse>,
  Same<Answer<'getResourceHistory'>, spec.GetResourceHistoryResponse['items']>,
  Same<Answer<'getResourceLogs'>, spec.GetResourceLogsResponse['items']>,
  Same<Answer<'listResourceEvents'>, spec.ListResourceEventsResponse>,
  Same<Answer<'getFleetSummary'>, spec.GetFleetSummaryResponse>,
  Same<Answer<'listRollouts'>, spec.ListRolloutsResponse['items']>,
  Same<Answer<'getRollout'>, spec.GetRolloutResponse>,
  Same<Answer<'createRollout'>, spec.CreateRolloutResponse>,
  Same<Answer<'pauseRollout'>, spec.PauseRolloutResponse>,
  Same<Answer<'resumeRollout'>, spec.ResumeRolloutResponse>,
  Same<Answer<'listChangeRequests'>, spec.ListChangeRequestsResponse>,
  Same<Answer<'getChangeRequest'>, spec.GetChangeRequestResponse>,
  Same<Answer<'approveChangeRequest'>, spec.ApproveChangeRequestResponse>,
  Same<Answer<'rejectChangeRequest'>, spec.RejectChangeRequestResponse>,
  Same<Answer<'cancelChangeRequest'>, spec.CancelChangeRequestResponse>,
];

/** Does not compile unless every entry of ContractChecks is `true`. */
type AllTrue<T extends true[]> = T;
export type ContractChecked = AllTrue<ContractChecks>;
