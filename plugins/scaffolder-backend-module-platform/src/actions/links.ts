/** The portal page of a platform resource, relative to the app's base URL. */
export function resourceLink(id: string): string {
  return `/platform/resources/${encodeURIComponent(id)}`;
}

/** The portal page of a change request, relative to the app's base URL. */
export function changeRequestLink(id: string): string {
  return `/platform/approvals/${encodeURIComponent(id)}`;
}
