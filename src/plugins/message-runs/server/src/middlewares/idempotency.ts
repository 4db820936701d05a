import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { actorOf } from '../controllers/actor';
import { requestFingerprint, validKey, type Answer } from '../services/idempotency';
import { getService } from '../utils';

const REPLAYED_HEADER = 'Idempotent-Replayed';

/** Strapi's statuses of its error classes (its `errors` middleware); any other ApplicationError is 400. */
const STATUS_OF_ERROR: [new (...args: any[]) => Error, number][] = [
  [errors.UnauthorizedError, 401],
  [errors.ForbiddenError, 403],
  [errors.NotFoundError, 404],
  [errors.PayloadTooLargeError, 413],
  [errors.RateLimitError, 429],
  [errors.NotImplementedError, 501],
];

/**
 * The answer Strapi's `errors` middleware makes of an error the handler threw (a 400 of validation, a
 * 404), or undefined for a server error. The route answers it here, so that its repeats get the same.
 */
function answerOfError(error: unknown): Answer | undefined {
  if (!(error instanceof errors.ApplicationError)) return undefined;
  const status = STATUS_OF_ERROR.find(([type]) => error instanceof type)?.[1] ?? 400;
  return { status, body: { data: null, error: { status, name: error.name, message: error.message, details: error.details } } };
}

/**
 * Stored and replayed: what the request did (2xx) or why it did nothing (4xx). Not a server error
 * (5xx) or a rate limit (429), which a retry should meet afresh; not a body other than JSON (a file).
 */
const isReplayable = ({ status, body }: Answer) =>
  status < 500 && status !== 429 && !Buffer.isBuffer(body) && typeof (body as { pipe?: unknown } | null)?.pipe !== 'function';

/**
 * The `Idempotency-Key` header (DESIGN.md §3, "Retrying safely"), on the routes flagged `idempotent`.
 * A route's middlewares run after authentication, authorization and policies, so the actor is known and
 * allowed: the key is the actor's own, and a repeat is replayed only to whom may make the request.
 */
const idempotency =
  (_config: unknown, { strapi }: { strapi: Core.Strapi }) =>
  async (ctx, next) => {
    const header = ctx.request.headers['idempotency-key'];
    if (header === undefined) return next();
    const key = validKey(header);
    const actor = actorOf(ctx);
    if (actor.id === null) throw new errors.ValidationError('Idempotency-Key needs an authenticated caller (an API token or a user)');
    const ref = { scope: `${actor.kind}:${actor.id}`, key };
    const service = getService(strapi, 'idempotency');

    const claim = await service.claim(ref, requestFingerprint(ctx.method, ctx.path, ctx.request.body));
    switch (claim.kind) {
      case 'replay':
        ctx.set(REPLAYED_HEADER, 'true');
        ctx.status = claim.answer.status;
        if (claim.answer.body !== null) ctx.body = claim.answer.body;
        return;
      case 'other-request':
        return ctx.unprocessableEntity(`Idempotency-Key "${key}" was first sent with another request (method, path or body)`, {
          idempotencyKey: key,
        });
      case 'in-progress':
        return ctx.conflict(`The first request with Idempotency-Key "${key}" is still under way; try again shortly`, {
          idempotencyKey: key,
        });
    }

    let answer: Answer | undefined;
    try {
      await next();
      answer = { status: ctx.status, body: ctx.body ?? null };
    } catch (error) {
      answer = answerOfError(error);
      if (!answer) {
        await service.release(ref, claim.holder);
        throw error;
      }
      ctx.status = answer.status;
      ctx.body = answer.body;
    }
    if (!isReplayable(answer)) return service.release(ref, claim.holder);
    try {
      await service.record(ref, claim.holder, answer);
    } catch (error) {
      // The request acted and is answered; a repeat may act again once the key counts as abandoned.
      strapi.log.warn(`[message-runs] storing the answer of an Idempotency-Key failed: ${(error as Error).message}`);
    }
  };

export default idempotency;
