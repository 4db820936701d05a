import { errors } from '@strapi/utils';

/**
 * 409: the request is valid but the run's state does not allow it. Strapi has no such error class;
 * the plugin's `conflicts` route middleware answers it in Strapi's error shape.
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

/** 400 naming the field (and Strapi's `details.errors` entry with its path, as yup errors have). */
export const fieldError = (path: string, message: string) =>
  new errors.ValidationError(`${path} ${message}`, {
    errors: [{ path: path.split('.'), message: `${path} ${message}`, name: 'ValidationError' }],
  });

export const notFound = (what: string, documentId: string) =>
  new errors.NotFoundError(`No ${what} has documentId "${documentId}"`);
