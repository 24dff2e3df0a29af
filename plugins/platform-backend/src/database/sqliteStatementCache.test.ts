import knexFactory from 'knex';
import {
  cacheSqliteStatements,
  useSqliteStatementCache,
} from './sqliteStatementCache';

const memoryKnex = () =>
  knexFactory({
    client: 'better-sqlite3',
    connection: { filename: ':memory:' },
    useNullAsDefault: true,
  });

describe('cacheSqliteStatements', () => {
  it('prepares a text once, and again while its statement still runs', async () => {
    const knex = memoryKnex();
    // The driver's own connection (better-sqlite3).
    const db = await knex.client.acquireConnection();
    try {
      cacheSqliteStatements(db, 2);
      db.exec('CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1), (2)');
      const sql = 'SELECT v FROM t ORDER BY v';
      const first = db.prepare(sql);
      expect(db.prepare(sql)).toBe(first);

      // A statement that is iterating is not handed out twice.
      const rows = first.iterate();
      rows.next();
      const meanwhile = db.prepare(sql);
      expect(meanwhile).not.toBe(first);
      expect(meanwhile.all()).toEqual([{ v: 1 }, { v: 2 }]);
      rows.return?.();

      // Bounded: the least recently used text is dropped.
      db.prepare('SELECT 1');
      db.prepare('SELECT 2');
      expect(db.prepare(sql)).not.toBe(first);
    } finally {
      await knex.client.releaseConnection(db);
      await knex.destroy();
    }
  });

  it('serves knex queries with new bindings and follows schema changes', async () => {
    const knex = memoryKnex();
    try {
      await useSqliteStatementCache(knex);
      await knex.schema.createTable('t', table => {
        table.string('id');
      });
      for (const id of ['a', 'b']) await knex('t').insert({ id });
      expect(await knex('t').where({ id: 'b' }).pluck('id')).toEqual(['b']);
      expect(await knex('t').where({ id: 'a' }).pluck('id')).toEqual(['a']);
      await knex.schema.alterTable('t', table => {
        table.string('name');
      });
      await knex('t').where({ id: 'a' }).update({ name: 'x' });
      expect(await knex('t').where({ id: 'a' }).first()).toEqual({
        id: 'a',
        name: 'x',
      });
    } finally {
      await knex.destroy();
    }
  });
});
