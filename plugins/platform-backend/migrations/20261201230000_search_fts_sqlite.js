/*
 * Free-text search (`text=` on GET /resources) is `search_text LIKE '%…%'`.
 * PostgreSQL serves it from a trigram index (20261121200000); SQLite scanned
 * the table: 400–600 ms p95 for a rare term at 100,000 resources.
 *
 * SQLite's equivalent is an FTS5 table with the trigram tokenizer (SQLite
 * 3.34+, part of better-sqlite3's build): it finds the rows that contain a
 * string of three or more characters without reading the others. The list
 * query uses it to narrow the rows and still applies the same LIKE, so the
 * results are exactly those of PostgreSQL (PlatformStore.listResources).
 *
 * FTS5 rows are addressed by an integer rowid and resources by a string id,
 * so a key table maps one to the other (a table without an INTEGER PRIMARY
 * KEY may have its rowids renumbered by VACUUM, so they cannot serve).
 * Triggers keep both in step with platform_resources. A later migration
 * that makes knex rebuild platform_resources on SQLite (some alterTable
 * changes copy the table) drops the triggers with it and must create them
 * again; PlatformStore checks that they exist and scans without them.
 *
 * PostgreSQL: nothing to do.
 */

const TABLE = 'platform_resources_search';
const KEYS = 'platform_resources_search_keys';
const TRIGGERS = {
  insert: 'platform_resources_search_insert',
  update: 'platform_resources_search_update',
  delete: 'platform_resources_search_delete',
};

function isSqlite(knex) {
  return String(knex.client.config.client).includes('sqlite');
}

const addRow = row => `
    INSERT INTO ${KEYS} (resource_id) VALUES (${row}.id);
    INSERT INTO ${TABLE} (rowid, search_text)
      VALUES ((SELECT rowid FROM ${KEYS} WHERE resource_id = ${row}.id), ${row}.search_text);`;

const removeRow = row => `
    DELETE FROM ${TABLE}
      WHERE rowid = (SELECT rowid FROM ${KEYS} WHERE resource_id = ${row}.id);
    DELETE FROM ${KEYS} WHERE resource_id = ${row}.id;`;

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  if (!isSqlite(knex)) return;
  await knex.raw(
    `CREATE TABLE ${KEYS} (rowid INTEGER PRIMARY KEY, resource_id TEXT NOT NULL UNIQUE)`,
  );
  await knex.raw(
    `CREATE VIRTUAL TABLE ${TABLE} USING fts5(search_text, tokenize = 'trigram')`,
  );
  await knex.raw(
    `INSERT INTO ${KEYS} (resource_id) SELECT id FROM platform_resources`,
  );
  await knex.raw(
    `INSERT INTO ${TABLE} (rowid, search_text)
       SELECT k.rowid, r.search_text FROM platform_resources r JOIN ${KEYS} k ON k.resource_id = r.id`,
  );
  await knex.raw(
    `CREATE TRIGGER ${
      TRIGGERS.insert
    } AFTER INSERT ON platform_resources BEGIN${addRow('new')}
    END`,
  );
  await knex.raw(
    `CREATE TRIGGER ${
      TRIGGERS.update
    } AFTER UPDATE OF id, search_text ON platform_resources BEGIN${removeRow(
      'old',
    )}${addRow('new')}
    END`,
  );
  await knex.raw(
    `CREATE TRIGGER ${
      TRIGGERS.delete
    } AFTER DELETE ON platform_resources BEGIN${removeRow('old')}
    END`,
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  if (!isSqlite(knex)) return;
  for (const trigger of Object.values(TRIGGERS)) {
    await knex.raw(`DROP TRIGGER IF EXISTS ${trigger}`);
  }
  await knex.raw(`DROP TABLE IF EXISTS ${TABLE}`);
  await knex.raw(`DROP TABLE IF EXISTS ${KEYS}`);
};

exports.SEARCH_TABLE = TABLE;
exports.SEARCH_KEYS = KEYS;
exports.SEARCH_TRIGGERS = Object.values(TRIGGERS);
