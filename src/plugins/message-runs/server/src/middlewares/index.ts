import { ConflictError } from '../errors';

/**
 * Answers a ConflictError (the run's state does not allow the request) with 409 in Strapi's error
 * shape, as an expected outcome rather than a server error to log.
 */
const conflicts = () => async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    ctx.conflict(error.message, error.details);
  }
};

export default { conflicts };
