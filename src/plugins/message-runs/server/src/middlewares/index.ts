import type { Core } from '@strapi/strapi';
import { ConflictError, IntegrityError, MailServerError } from '../errors';
import idempotency from './idempotency';

/**
 * Answers a ConflictError (the run's state does not allow the request) with 409 in Strapi's error
 * shape, as an expected outcome rather than a server error to log; and an IntegrityError with 500 and
 * its message (Strapi's own handler would hide it behind "Internal Server Error"), logged; and a
 * MailServerError with 502 and the server's answer.
 */
const conflicts = (_config: unknown, { strapi }: { strapi: Core.Strapi }): Core.MiddlewareHandler => async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    if (error instanceof IntegrityError) {
      strapi.log.error(`[message-runs] ${error.message}`);
      return ctx.internalServerError(error.message);
    }
    if (error instanceof MailServerError) return ctx.badGateway(error.message);
    if (!(error instanceof ConflictError)) throw error;
    ctx.conflict(error.message, error.details);
  }
};

export default { conflicts, idempotency };
