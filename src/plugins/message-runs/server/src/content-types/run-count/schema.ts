/**
 * A run's results per status, kept by database triggers on the results table in the transaction of
 * each change (data/run-counts.ts): a run's count of a status is the sum of `n` over its rows. On
 * PostgreSQL the rows are deltas that the delivery tick folds together; on SQLite there is one per
 * status. `runId` is a plain column, like the results' own: a relation would add a link table.
 */
export default {
  kind: 'collectionType',
  collectionName: 'message_run_counts',
  info: {
    singularName: 'run-count',
    pluralName: 'run-counts',
    displayName: 'Message run count',
    description: 'Results of a run per status, kept by triggers',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    runId: { type: 'integer', required: true },
    status: { type: 'string', required: true },
    n: { type: 'integer', required: true },
  },
  indexes: [{ name: 'message_run_counts_run_status_idx', columns: ['run_id', 'status'] }],
};
