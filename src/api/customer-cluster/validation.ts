import type { Core, Data } from '@strapi/strapi';
import type { Knex } from 'knex';
import { problem, type DocumentRules } from '../../validation/document-rules';

const CLUSTER_UID = 'api::customer-cluster.customer-cluster';

/** The part of a relation's metadata that names its link table (Strapi's metadata types it as any attribute). */
type LinkedRelation = { joinTable: { name: string; joinColumn: { name: string }; inverseJoinColumn: { name: string } } };

/** Whether the cluster is among its own ancestors, walking the parent links up (one recursive query). */
async function isOwnAncestor(strapi: Core.Strapi, trx: Knex.Transaction, clusterId: Data.ID) {
  const { joinTable } = strapi.db.metadata.get(CLUSTER_UID).attributes.parent as LinkedRelation;
  const child = joinTable.joinColumn.name;
  const parent = joinTable.inverseJoinColumn.name;
  // UNION (not UNION ALL) drops rows already seen, so the walk ends even on a cycle.
  const rows = await trx
    .withRecursive('ancestors', ['id'], (qb) => {
      qb.select(parent)
        .from(joinTable.name)
        .where(child, clusterId)
        .union((up) => up.select(`l.${parent}`).from(`${joinTable.name} as l`).join('ancestors as a', `l.${child}`, 'a.id'));
    })
    .select('id')
    .from('ancestors')
    .where('id', clusterId)
    .limit(1);
  return rows.length > 0;
}

export const customerClusterRules: DocumentRules = {
  populate: { parent: { fields: ['name'] } },
  async check(stored, { strapi, trx }) {
    if (stored.parent && (await isOwnAncestor(strapi, trx, stored.id))) {
      return [problem(['parent'], `would make "${stored.name}" its own ancestor: "${stored.parent.name}" is "${stored.name}" or one of its descendants`)];
    }
    return [];
  },
};
