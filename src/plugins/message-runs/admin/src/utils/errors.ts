import { isFetchError } from '@strapi/strapi/admin';

/**
 * What a failed request says, in its two shapes: the error RTK Query endpoints give (the server's
 * `error` object: name, message, status, details) and the fetch client's FetchError (downloads).
 */
interface ServerError {
  message?: string;
  status?: number;
  details?: unknown;
}

const serverError = (error: unknown): ServerError | undefined => {
  if (isFetchError(error)) return { status: error.status, ...error.response?.data?.error };
  return typeof error === 'object' && error !== null ? (error as ServerError) : undefined;
};

/** The message of a failed request: the server's error message when it gave one. */
export const errorMessage = (error: unknown) => serverError(error)?.message || String(error);

/** The HTTP status of a failed request, when it got an answer. */
export const errorStatus = (error: unknown) => serverError(error)?.status;

/** Field name → message, from a 400's `error.details.errors[].path` (the plugin's validation shape). */
export function fieldErrors(error: unknown): Record<string, string> {
  const details = serverError(error)?.details as { errors?: { path: string[]; message: string }[] } | undefined;
  return Object.fromEntries((details?.errors ?? []).map(({ path, message }) => [path[0] ?? '', message]));
}
