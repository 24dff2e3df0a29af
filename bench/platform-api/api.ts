/*
 * The few platform API calls the list benchmarks make.
 */
import { getWithRetry } from './backend';

export interface Page {
  items: Array<{ id: string }>;
  totalCount: number;
  /** Set when the API stopped counting at its cap (totalCount is the cap). */
  totalCountCapped?: boolean;
  nextCursor?: string;
}

export interface ApiTarget {
  apiUrl: string;
  headers: Record<string, string>;
}

/** GET /resources with the given query; throws unless it answers 200. */
export async function getPage(
  target: ApiTarget,
  query: Record<string, string>,
): Promise<Page> {
  const search = new URLSearchParams(query);
  const response = await getWithRetry(
    `${target.apiUrl}/resources?${search}`,
    target.headers,
  );
  if (!response.ok) {
    throw new Error(
      `GET /resources?${search} answered ${
        response.status
      }: ${await response.text()}`,
    );
  }
  return (await response.json()) as Page;
}

/**
 * The cursor of the page after `offset` resources (unfiltered, by name),
 * reached the way a client would: following `nextCursor`, 500 at a time.
 */
export async function cursorAt(
  target: ApiTarget,
  offset: number,
): Promise<string> {
  let cursor: string | undefined;
  for (let seen = 0; seen < offset; seen += 500) {
    const page = await getPage(target, {
      limit: '500',
      ...(cursor ? { cursor } : {}),
    });
    if (!page.nextCursor) throw new Error(`Fewer than ${offset} resources`);
    cursor = page.nextCursor;
  }
  if (!cursor) throw new Error('offset must be at least 500');
  return cursor;
}
