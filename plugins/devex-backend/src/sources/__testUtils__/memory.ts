import {
  DevexFact,
  IngestResult,
} from '@trellis/backstage-plugin-devex-common';
import {
  DevexCursorStore,
  DevexFactSink,
  DevexSourceContext,
} from '@trellis/backstage-plugin-devex-node';
import { mockServices } from '@backstage/backend-test-utils';

/**
 * A fact sink with the store's contract (a re-delivered sourceId is a
 * duplicate), kept in memory for source tests.
 */
export class MemorySink implements DevexFactSink {
  readonly facts: DevexFact[] = [];
  writes = 0;

  async write(facts: DevexFact[]): Promise<IngestResult> {
    this.writes++;
    const result: IngestResult = { accepted: 0, duplicates: 0, rejected: [] };
    facts.forEach((fact, index) => {
      if (!fact.sourceId || fact.sourceId.length > 255) {
        result.rejected.push({ index, field: 'sourceId', message: 'invalid' });
      } else if (this.facts.some(f => f.sourceId === fact.sourceId)) {
        result.duplicates++;
      } else {
        this.facts.push(fact);
        result.accepted++;
      }
    });
    return result;
  }

  ofKind(kind: string): DevexFact[] {
    return this.facts.filter(f => f.kind === kind);
  }
}

/** Cursors that outlive a "restart" as long as the test keeps the object. */
export class MemoryCursors implements DevexCursorStore {
  readonly values = new Map<string, string>();

  async get(key: string) {
    return this.values.get(key);
  }

  async set(key: string, value: string) {
    this.values.set(key, value);
  }
}

/** What the devex plugin hands a source when it starts it. */
export function sourceContext(
  sink = new MemorySink(),
  cursors = new MemoryCursors(),
): DevexSourceContext & { sink: MemorySink; cursors: MemoryCursors } {
  return { sink, cursors, logger: mockServices.logger.mock() };
}
