import { errors } from '@strapi/utils';

/**
 * 409: the request is valid but the state does not allow it (a run's status; data that something
 * uses). Strapi has no such error class; the plugin's `conflicts` route middleware answers it in
 * Strapi's error shape on the plugin's routes, the app's global `conflicts` middleware on the others.
 */
export class ConflictError extends Error {
  name = 'ConflictError';
  constructor(
    message: string,
    public details: Record<string, unknown> = {}
  ) {
    super(message);
  }
}

/**
 * 500 with its message: stored data failed its own check (an archived message whose bytes no longer
 * have the SHA-256 recorded when it was sent). Never served as if it were fine; answered like a
 * ConflictError by the `conflicts` middleware, and logged.
 */
export class IntegrityError extends Error {
  name = 'IntegrityError';
}

/**
 * 502 with the mail server's answer: a message the plugin sends on request (a test-send) that the
 * server did not take. Answered by the `conflicts` middleware, since Strapi's own would say 500.
 */
export class MailServerError extends Error {
  name = 'MailServerError';
}

/** 400 naming the field (and Strapi's `details.errors` entry with its path, as yup errors have). */
export const fieldError = (path: string, message: string) =>
  new errors.ValidationError(`${path} ${message}`, {
    errors: [{ path: path.split('.'), message: `${path} ${message}`, name: 'ValidationError' }],
  });

export const notFound = (what: string, documentId: string) =>
  new errors.NotFoundError(`No ${what} has documentId "${documentId}"`);

/** The first `shown` values and how many more: a refusal about thousands of ids stays readable and small. */
export const nameFew = (values: string[], shown = 10) =>
  values.length > shown
    ? `${values.slice(0, shown).join(', ')} and ${(values.length - shown).toLocaleString('en-US')} more`
    : values.join(', ');
