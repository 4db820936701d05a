import type { Core } from '@strapi/strapi';

/**
 * Keeps a new database connection that fails while Strapi prepares it (PostgreSQL: `SET search_path`)
 * from ending the process. Strapi 5.54 runs that preparation in the pool's `afterCreate` without
 * catching its failure, so a connection the server drops at that moment (a restart, a failover,
 * `pg_terminate_backend`) became an unhandled rejection and Node exited; the fault suite's dropped
 * connections hit it. Caught here, the connection still goes to knex's pool, which has already marked
 * it broken and replaces it at its next acquire.
 */
export function surviveFailedConnectionSetup(strapi: Core.Strapi) {
  const dialect = strapi.db.dialect as unknown as { initialize(connection: unknown): Promise<void> };
  const initialize = dialect.initialize.bind(dialect);
  dialect.initialize = (connection) =>
    initialize(connection).catch((error: Error) => {
      strapi.log.warn(`[database] preparing a new connection failed, the pool will replace it: ${error.message}`);
    });
}
