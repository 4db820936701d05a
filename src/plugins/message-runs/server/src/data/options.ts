import type { Knex } from 'knex';
import type { ClusterOption, DefinitionOption, KeyOption } from '../../../shared/contracts/options';
import type { Tables } from './tables';

/** `q` as a case-insensitive LIKE pattern with its wildcards taken literally. */
const containsPattern = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function findDefinitionOptions(knex: Knex, t: Tables, q: string | undefined, limit: number) {
  const query = knex(t.definitions).select('document_id', 'name').orderBy('name').limit(limit);
  if (q) query.whereRaw(`lower(name) LIKE ? ESCAPE '\\'`, [containsPattern(q)]);
  const rows = await query;
  return rows.map((row): DefinitionOption => ({ documentId: row.document_id, name: row.name }));
}

/** The distinct keys of a table's `key` column (customers' email addresses, message senders), by key. */
export async function findKeyOptions(knex: Knex, table: string, q: string | undefined, limit: number) {
  const query = knex(table).distinct('key').whereNotNull('key').orderBy('key').limit(limit);
  if (q) query.whereRaw(`lower(??) LIKE ? ESCAPE '\\'`, ['key', containsPattern(q)]);
  const rows: { key: string }[] = await query;
  return rows.map((row): KeyOption => ({ key: row.key }));
}

/**
 * Every cluster with its path from the root, from one query over the clusters and their parent
 * links: a tree of customer clusters is small, and walking it in memory avoids a query per level.
 */
export async function findClusterOptions(knex: Knex, t: Tables, q: string | undefined, limit: number) {
  const rows: { id: number; document_id: string; name: string; parent_id: number | null }[] = await knex(
    `${t.clusters} as c`
  )
    .leftJoin(`${t.clusterParent.table} as p`, `p.${t.clusterParent.from}`, 'c.id')
    .select('c.id', 'c.document_id', 'c.name', `p.${t.clusterParent.to} as parent_id`);
  const byId = new Map(rows.map((row) => [row.id, row]));
  const pathOf = (row: (typeof rows)[number]) => {
    const path = [row.name];
    // The depth bound guards against a cycle, which the domain's validation already refuses.
    for (
      let parent = byId.get(row.parent_id!);
      parent && path.length <= rows.length;
      parent = byId.get(parent.parent_id!)
    ) {
      path.unshift(parent.name);
    }
    return path;
  };
  const needle = q?.toLowerCase();
  return rows
    .map((row): ClusterOption => ({ documentId: row.document_id, name: row.name, path: pathOf(row) }))
    .filter((option) => !needle || option.path.some((name) => name.toLowerCase().includes(needle)))
    .sort((a, b) => a.path.join(' / ').localeCompare(b.path.join(' / ')))
    .slice(0, limit);
}
