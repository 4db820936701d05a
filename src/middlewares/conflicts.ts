import type { Core } from '@strapi/strapi';
import { ConflictError } from '../plugins/message-runs/server/src/errors';

/**
 * Answers a ConflictError from any route (the domain's guards refuse deleting what a definition uses
 * through REST and the Content Manager alike) with 409 in Strapi's error shape. Strapi's errors
 * middleware knows no conflict class and would answer 500; `ctx.conflict` throws the HTTP error it
 * formats.
 */
export default (): Core.MiddlewareHandler => async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    ctx.conflict(error.message, error.details);
  }
};
