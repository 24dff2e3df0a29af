/*
 * The raw store of delivery webhooks: every delivery is written here, keyed
 * by provider and delivery id, before it is interpreted into facts, so a
 * handler failure never loses one and a re-delivery is recognised.
 */

/** @param {import('knex').Knex} knex */
exports.up = async function up(knex) {
  await knex.schema.createTable('devex_delivery_deliveries', table => {
    table.comment('Delivery webhooks as received, and what they became');
    table
      .string('id', 255)
      .primary()
      .comment(
        '<provider>:<delivery id> (x-github-delivery, X-Gitlab-Event-UUID, PagerDuty event id)',
      );
    table.string('provider', 32).notNullable();
    table
      .string('event', 64)
      .notNullable()
      .comment(
        'Event type, e.g. pull_request, merge_request, incident.resolved',
      );
    table.timestamp('received_at', { useTz: true }).notNullable();
    table.text('payload').notNullable().comment('The body as JSON text');
    table
      .string('status', 16)
      .notNullable()
      .comment('pending (stored, not interpreted yet) | good | bad | ignored');
    table
      .text('error')
      .nullable()
      .comment('Why a bad delivery could not be interpreted');
    table.integer('facts').notNullable().defaultTo(0);
    table
      .string('unmapped_repo', 255)
      .nullable()
      .comment('Repo with no component');
    table
      .string('unmapped_user', 255)
      .nullable()
      .comment('SCM login with no catalog user');
    table.index(
      ['status', 'received_at'],
      'devex_delivery_deliveries_status_idx',
    );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('devex_delivery_deliveries');
};
