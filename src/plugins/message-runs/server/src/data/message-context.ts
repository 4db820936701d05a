import type { Knex } from 'knex';
import type { Tables } from './tables';

/**
 * What rendering a batch of results needs from the domain tables, read in a few queries per batch
 * (one per table), never one per result.
 */
export async function loadInvoices(knex: Knex, t: Tables, ids: number[]) {
  if (!ids.length) return new Map();
  const rows = await knex(t.invoices)
    .select('id', 'number', 'period_start', 'period_end', 'amount', 'currency', 'status', 'type', 'invoice_date')
    .whereIn('id', ids);
  return new Map(
    rows.map((row) => [
      Number(row.id),
      {
        number: row.number ?? null,
        label: row.number ?? 'Concept',
        periodStart: row.period_start,
        periodEnd: row.period_end,
        amount: row.amount === null ? null : Number(row.amount),
        currency: row.currency ?? null,
        status: row.status,
        type: row.type,
        invoiceDate: row.invoice_date ?? null,
      },
    ])
  );
}

export async function loadCustomers(knex: Knex, t: Tables, ids: number[]) {
  if (!ids.length) return new Map();
  const rows = await knex({ customer: t.customers })
    .leftJoin({ cc: t.customerCluster.table }, `cc.${t.customerCluster.from}`, 'customer.id')
    .leftJoin({ cluster: t.clusters }, 'cluster.id', `cc.${t.customerCluster.to}`)
    .select('customer.id', 'customer.code', 'customer.name', 'customer.language_code', { cluster_name: 'cluster.name' })
    .whereIn('customer.id', ids);
  return new Map(
    rows.map((row) => [
      Number(row.id),
      {
        customer: { code: row.code, name: row.name, languageCode: row.language_code ?? null },
        cluster: row.cluster_name ? { name: row.cluster_name } : null,
      },
    ])
  );
}

/** The customers' current address under the recipient key (eligibility is checked again before sending). */
export async function loadRecipientAddresses(knex: Knex, t: Tables, customerIds: number[], recipientKey: string) {
  if (!customerIds.length) return new Map<number, { address: string; displayName: string | null }>();
  const cmp = t.customerComponents;
  const rows = await knex({ cmp: cmp.table })
    .join({ email: t.emailAddresses }, 'email.id', `cmp.${cmp.to}`)
    .select({ customer_id: `cmp.${cmp.from}` }, 'email.address', 'email.display_name')
    .whereIn(`cmp.${cmp.from}`, customerIds)
    .where(`cmp.${cmp.componentTypeColumn}`, cmp.componentType)
    .where('cmp.field', cmp.field)
    .where('email.key', recipientKey)
    .orderBy('email.id', 'desc');
  // Lowest id last, so it wins, as in the run's selection.
  return new Map(rows.map((row) => [Number(row.customer_id), { address: row.address, displayName: row.display_name ?? null }]));
}

export async function loadSenders(knex: Knex, t: Tables, fromKeys: string[]) {
  const rows = await knex(t.senders).select('key', 'email', 'display_name').whereIn('key', fromKeys);
  return new Map(rows.map((row) => [row.key, { email: row.email, displayName: row.display_name ?? null }]));
}
