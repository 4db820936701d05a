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

type ValidationCallback = (error: unknown, value?: unknown) => void;
type YupValidate = ((options: unknown, callback: ValidationCallback) => void) & { OPTIONS: YupTestConfig };
type YupTestConfig = { test: (this: unknown, ...args: unknown[]) => unknown } & Record<string, unknown>;

/** What an async test's rejection travels as through yup, which would otherwise take it for "valid". */
class RejectedTest {
  constructor(readonly error: unknown) {}
}
const BACKPORTED = Symbol.for('message-runs.yup-rejected-tests');

/**
 * Makes a yup test whose promise rejects fail its validation with that error, as yup does since
 * 0.32.10 (jquense/yup#1326, fixed by #1327). Strapi 5.54 pins yup 0.32.9, whose
 * `util/createValidation.js` calls `Promise.resolve(test(...)).then(...)` without a rejection
 * handler: the validation never settles (the request hangs) and the rejection is unhandled (Node
 * exits). Strapi's unique-field check (@strapi/core `services/entity-validator/validators.js`,
 * `addUniqueValidator`) is such a test: it queries the database, and on PostgreSQL a NUL byte in
 * the value (error 22021, "invalid byte sequence for encoding UTF8: 0x00"), or a dropped
 * connection, rejected that query and ended the process. With this, the error reaches Strapi's
 * error middleware: a 500 with its cause logged.
 */
export function failValidationsOnRejectedTests() {
  // Strapi's own yup, wherever the package manager put it.
  const yupDir = require
    .resolve('yup/package.json', { paths: [require.resolve('@strapi/utils')] })
    .replace(/package\.json$/, '');
  // yup's schemas call `createValidation.default` through the module object, so replacing it reaches every new test.
  const module: { default: (config: YupTestConfig) => YupValidate; [BACKPORTED]?: true } = require(
    `${yupDir}lib/util/createValidation`
  );
  if (module[BACKPORTED]) return;
  const createValidation = module.default;
  module.default = (config) => {
    const settled = createValidation({
      ...config,
      test(...args) {
        const result = config.test.apply(this, args) as PromiseLike<unknown> | undefined;
        return typeof result?.then === 'function'
          ? Promise.resolve(result).catch((error) => new RejectedTest(error))
          : result;
      },
    });
    const validate = ((options, callback) =>
      settled(options, (error, value) =>
        value instanceof RejectedTest ? callback(value.error) : callback(error, value)
      )) as YupValidate;
    // yup compares tests by their OPTIONS (to replace one of the same name): keep the caller's.
    validate.OPTIONS = config;
    return validate;
  };
  module[BACKPORTED] = true;
}

/**
 * Logs a promise rejection that nothing handled instead of letting Node end the process on it
 * (Node's default since 15): a request whose failure escaped every handler in Strapi or a library must
 * cost that request, not every request this instance serves. Returns the function that removes the guard.
 */
export function logUnhandledRejections(strapi: Core.Strapi) {
  const log = (reason: unknown) => {
    strapi.log.error(
      `[process] unhandled promise rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`
    );
  };
  process.on('unhandledRejection', log);
  return () => {
    process.off('unhandledRejection', log);
  };
}
