import { DevexCursorStore } from '@trellis/backstage-plugin-devex-node';
import { Knex } from 'knex';

/** Durable cursors of one source, in `devex_cursors`. */
export class DatabaseCursorStore implements DevexCursorStore {
  constructor(private readonly db: Knex, private readonly source: string) {}

  async get(key: string): Promise<string | undefined> {
    const row = await this.db('devex_cursors')
      .where({ source: this.source, key: checkKey(key) })
      .first();
    return row?.value;
  }

  async set(key: string, value: string): Promise<void> {
    if (typeof value !== 'string') {
      throw new TypeError('A devex cursor value must be a string');
    }
    await this.db('devex_cursors')
      .insert({
        source: this.source,
        key: checkKey(key),
        value,
        updated_at: new Date().toISOString(),
      })
      .onConflict(['source', 'key'])
      .merge(['value', 'updated_at']);
  }
}

function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
    throw new TypeError('A devex cursor key must be 1 to 255 characters');
  }
  return key;
}
