import type { Data } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { Tables } from '../lib/plugin';

/**
 * The database's own speed for the rows a run creates: one hand-written INSERT … SELECT of the same
 * result rows into the same table, with none of the plugin's code around it.
 */
export function rawInsertResults(
  knex: Knex,
  t: Tables,
  {
    client,
    runId,
    clusterId,
    periodStart,
    periodEnd,
    recipientKey,
    transformationId,
    now,
  }: {
    client: string;
    runId: number;
    clusterId: number;
    periodStart: string;
    periodEnd: string;
    recipientKey: string;
    transformationId: Data.ID;
    now: Date;
  }
) {
  const documentId =
    client === 'postgres'
      ? `'r' || substr(replace(gen_random_uuid()::text, '-', ''), 2, 23)`
      : `'r' || substr(lower(hex(randomblob(12))), 2)`;
  const sql = `
    INSERT INTO ${t.results} (document_id, run_id, invoice_id, customer_id, status, reason, recipient, recipient_name,
                              attempts, created_at, updated_at, published_at)
    SELECT ${documentId}, ?, s.invoice_id, s.customer_id, CASE WHEN s.reason IS NULL THEN 'queued' ELSE 'skipped' END,
           s.reason, s.address, s.display_name, 0, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP)
    FROM (
      SELECT i.id AS invoice_id, c.id AS customer_id, c.code, i.period_start, e.address, e.display_name,
             CASE WHEN e.address IS NULL THEN 'no-recipient'
                  WHEN NOT EXISTS (SELECT 1 FROM ${t.resultInvoice.table} tri
                                   JOIN ${t.transformationResults} tr ON tr.id = tri.${t.resultInvoice.from}
                                   JOIN ${t.resultTransformation.table} trt ON trt.${t.resultTransformation.from} = tr.id
                                   WHERE tri.${t.resultInvoice.to} = i.id AND trt.${t.resultTransformation.to} = ? AND tr.is_out_of_date = false)
                  THEN 'no-transformation-result' END AS reason
      FROM ${t.invoices} i
      JOIN ${t.invoiceCustomer.table} ic ON ic.${t.invoiceCustomer.from} = i.id
      JOIN ${t.customers} c ON c.id = ic.${t.invoiceCustomer.to}
      JOIN ${t.customerCluster.table} cc ON cc.${t.customerCluster.from} = c.id
      LEFT JOIN (SELECT cmp.${t.customerComponents.from} AS customer_id, min(a.id) AS email_id
                 FROM ${t.customerComponents.table} cmp JOIN ${t.emailAddresses} a ON a.id = cmp.${t.customerComponents.to}
                 WHERE cmp.field = 'emailAddresses' AND cmp.component_type = 'messaging.email-address' AND a.key = ?
                 GROUP BY cmp.${t.customerComponents.from}) re ON re.customer_id = c.id
      LEFT JOIN ${t.emailAddresses} e ON e.id = re.email_id
      WHERE cc.${t.customerCluster.to} IN (
              WITH RECURSIVE tree(id) AS (
                SELECT CAST(? AS INTEGER)
                UNION SELECT l.${t.clusterParent.from} FROM ${t.clusterParent.table} l JOIN tree ON l.${t.clusterParent.to} = tree.id)
              SELECT id FROM tree)
        AND i.period_start >= ? AND i.period_end <= ?) s
    ORDER BY s.code, s.period_start, s.invoice_id`;
  return knex.raw(sql, [runId, now, now, now, transformationId, recipientKey, clusterId, periodStart, periodEnd]);
}

/**
 * Drops the triggers on the results table (the plugin's kept counts), so that the raw statement
 * measures the table alone; the plugin's `installCountTriggers` puts them back (and recounts).
 */
export async function dropResultTriggers(knex: Knex, t: Tables, client: string) {
  if (client === 'postgres') {
    const { rows } = await knex.raw('SELECT tgname AS name FROM pg_trigger WHERE tgrelid = to_regclass(?) AND NOT tgisinternal', [t.results]);
    for (const { name } of rows) await knex.raw('DROP TRIGGER ?? ON ??', [name, t.results]);
  } else {
    const names: { name: string }[] = await knex.raw("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", [t.results]);
    for (const { name } of names) await knex.raw('DROP TRIGGER ??', [name]);
  }
}
