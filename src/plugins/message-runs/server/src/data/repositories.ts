import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import * as archive from './archive';
import * as instances from './delivery-instances';
import * as reports from './delivery-reports';
import { resolveDialect, type Dialect } from './dialect';
import * as events from './events';
import * as idempotencyKeys from './idempotency-keys';
import { countSelection } from './invoice-selection';
import * as context from './message-context';
import * as options from './options';
import * as queue from './queue';
import * as results from './results';
import * as runCounts from './run-counts';
import * as runs from './runs';
import { reserveSendTimes } from './send-pacers';
import { resolveTables, type Tables } from './tables';
import * as leases from './task-leases';

/**
 * The data layer bound once to the plugin's database: each repository method is a data function with
 * its connection, table names and SQL dialect already given, so services pass only what they mean.
 * `transaction(work)` gives `work` the same repositories bound to one transaction (Strapi's: the
 * entity queries inside it, e.g. creating a run, join it too).
 */
function bindRepositories(strapi: Core.Strapi, knex: () => Knex, tables: () => Tables, dialect: () => Dialect) {
  /** A data function `(knex, t, …args)` as `(…args)`. */
  const onTables =
    <A extends unknown[], R>(fn: (knex: Knex, t: Tables, ...args: A) => R) =>
    (...args: A): R =>
      fn(knex(), tables(), ...args);
  /** A data function `(knex, t, dialect, …args)` as `(…args)`. */
  const onDialect =
    <A extends unknown[], R>(fn: (knex: Knex, t: Tables, dialect: Dialect, ...args: A) => R) =>
    (...args: A): R =>
      fn(knex(), tables(), dialect(), ...args);
  /** A data function on Strapi's database layer `(db, …args)` as `(…args)`. */
  const onEntities =
    <A extends unknown[], R>(fn: (db: Core.Strapi['db'], ...args: A) => R) =>
    (...args: A): R =>
      fn(strapi.db, ...args);

  return {
    /** In a transaction: prepares it for a statement over many rows (Dialect.prepareBulkStatement). */
    prepareBulkStatement: () => dialect().prepareBulkStatement(knex()),
    runs: {
      findRow: onEntities(runs.findRunRow),
      findPage: onEntities(runs.findRunPage),
      insert: onEntities(runs.insertRun),
      findForSending: onEntities(runs.findRunsForSending),
      findDocumentIds: onTables(runs.findRunDocumentIds),
      changeStatus: onTables(runs.changeRunStatus),
      startDue: onTables(runs.startDueRuns),
      completeIfDone: onTables(runs.completeRunIfDone),
      findFinishedIds: onTables(runs.findFinishedRunIds),
      holdDeletable: onTables(runs.holdDeletableRun),
      delete: onTables(runs.deleteRun),
      countServerFailures: onTables(runs.countServerFailures),
    },
    results: {
      insertForRun: onDialect(results.insertResultsForRun),
      copySortValues: onTables(results.copySortValues),
      countFiltered: onTables(results.countFilteredResults),
      findPage: onDialect(results.findResultsPage),
      iterate: onDialect(results.iterateResults),
      locate: onTables(results.locateResults),
      findRequeueBatch: onTables(results.findRequeueBatch),
      requeue: onTables(results.requeueResults),
      delete: onTables(results.deleteResults),
      countSending: onTables(results.countSendingResults),
      deleteOfRun: onTables(results.deleteRunResults),
      findMessageResults: onTables(queue.findMessageResults),
      findArchivedMessage: onTables(archive.findArchivedMessage),
      countSelection: onTables(countSelection),
      /** After many rows were added (a large run): the planner's statistics (Dialect.refreshStatistics). */
      refreshStatistics: () => dialect().refreshStatistics(knex(), tables().results),
    },
    /** A run's results per status, kept by triggers (data/run-counts.ts). */
    counts: {
      ofRuns: onTables(runCounts.countResultsByStatus),
      recount: onDialect(runCounts.recountRun),
      compact: onDialect(runCounts.compactRunCounts),
      installTriggers: onDialect(runCounts.installRunCountTriggers),
    },
    queue: {
      claim: onDialect(queue.claimResults),
      handOver: onTables(queue.handOver),
      renew: onTables(queue.renewClaims),
      release: onTables(queue.releaseClaims),
      releaseOfRun: onTables(queue.releaseRunClaims),
      defer: onTables(queue.deferClaims),
      requeueServerFailures: onTables(queue.requeueServerFailures),
      requeueExpired: onDialect(queue.requeueExpiredClaims),
      recordOutcomes: onDialect(queue.recordOutcomes),
      reserveSendTimes: onDialect(reserveSendTimes),
      recordPace: onTables(instances.recordPace),
      recentPaces: onTables(instances.recentPaces),
      forgetOldInstances: onTables(instances.forgetOldInstances),
    },
    messageContext: {
      invoices: onTables(context.loadInvoices),
      customers: onTables(context.loadCustomers),
      recipientAddresses: onTables(context.loadRecipientAddresses),
      suppressed: onTables(context.loadSuppressed),
      senders: onTables(context.loadSenders),
      invoiceDocuments: onTables(context.loadInvoiceDocuments),
    },
    events: {
      insert: onDialect(events.insertEvents),
      append: onDialect(events.appendEvents),
      appendRun: onDialect(events.appendRunEvent),
      insertCreation: onDialect(events.insertCreationEvents),
      insertResend: onDialect(events.insertResendEvents),
      findSubjectId: onTables(events.findSubjectId),
      find: onTables(events.findEvents),
      findTestSendTimes: onTables(events.findTestSendTimes),
    },
    reports: {
      findResults: onTables(reports.findReportedResults),
      markReported: onTables(reports.markReported),
      markDelivered: onTables(reports.markDelivered),
      suppress: onDialect(reports.suppress),
    },
    archive: {
      findExpiredKeys: onTables(archive.findExpiredArchiveKeys),
      forgetKeys: onTables(archive.forgetArchiveKeys),
    },
    options: {
      definitions: onTables(options.findDefinitionOptions),
      clusters: onTables(options.findClusterOptions),
      recipientKeys: (q: string | undefined, limit: number) => options.findKeyOptions(knex(), tables().emailAddresses, q, limit),
      senderKeys: (q: string | undefined, limit: number) => options.findKeyOptions(knex(), tables().senders, q, limit),
    },
    leases: {
      acquire: onTables(leases.acquireLease),
      release: onTables(leases.releaseLease),
    },
    idempotencyKeys: {
      claim: onTables(idempotencyKeys.claimKey),
      read: onTables(idempotencyKeys.readKey),
      recordAnswer: onTables(idempotencyKeys.recordAnswer),
      release: onTables(idempotencyKeys.releaseKey),
      deleteBefore: onTables(idempotencyKeys.deleteKeysBefore),
    },
  };
}

export type Repositories = ReturnType<typeof bindRepositories> & {
  /**
   * Runs `work` in one transaction, with the repositories bound to it. It is Strapi's: it joins a
   * transaction already under way in the async context, and entity queries inside it join it too.
   */
  transaction<T>(work: (repositories: Repositories) => Promise<T>): Promise<T>;
  /**
   * Runs `work` in a transaction of its own, which never joins another (knex's, not Strapi's): for the
   * queue's writes, which must commit or fail by themselves. Through Strapi's, an outcome write joined
   * a transaction under way and was lost with it when PostgreSQL dropped the connection; its results,
   * already sent, were sent again once their lease ran out (the pg-connections-dropped fault: 25).
   */
  ownTransaction<T>(work: (repositories: Repositories) => Promise<T>): Promise<T>;
};

/**
 * The plugin's repositories on `strapi`'s database. Table names and the dialect are read from
 * Strapi's metadata on first use (services are built before the database is).
 */
export function createRepositories(strapi: Core.Strapi): Repositories {
  let tables: Tables | undefined;
  let dialect: Dialect | undefined;
  const tablesOf = () => (tables ??= resolveTables(strapi));
  const dialectOf = () => (dialect ??= resolveDialect(strapi));
  const on = (knex: () => Knex): Repositories => ({
    ...bindRepositories(strapi, knex, tablesOf, dialectOf),
    // (Strapi's typing wraps the callback's promise in another; awaiting unwraps both.)
    transaction: async (work) => await strapi.db.transaction(({ trx }) => work(on(() => trx))),
    ownTransaction: (work) => strapi.db.connection.transaction((trx) => work(on(() => trx))),
  });
  return on(() => strapi.db.connection);
}
