import * as React from 'react';
import { isFetchError, useFetchClient } from '@strapi/strapi/admin';

interface ApiState<T> {
  data?: T;
  error?: unknown;
  /** True until the first answer (or error) arrives; refetches keep showing the previous data. */
  isLoading: boolean;
  refetch: () => Promise<void>;
}

/**
 * GETs `url` with the admin's JWT (useFetchClient) whenever `url` or `params` change; nothing while
 * `url` is null (an answer the admin may not read). Later refetches replace the data in place, so
 * tables keep their selection and scroll position while they refresh.
 */
export function useApi<T>(url: string | null, params?: Record<string, unknown>) {
  const { get } = useFetchClient();
  const [state, setState] = React.useState<Omit<ApiState<T>, 'refetch'>>({ isLoading: url !== null });
  const paramsKey = JSON.stringify(params ?? {});
  const latest = React.useRef(0);

  const refetch = React.useCallback(async () => {
    const call = ++latest.current;
    if (url === null) return;
    try {
      const { data } = await get<T>(url, { params: JSON.parse(paramsKey) });
      // A slower earlier answer must not overwrite a newer one.
      if (call === latest.current) setState({ data, isLoading: false });
    } catch (error) {
      if (call === latest.current) setState((previous) => ({ ...previous, error, isLoading: false }));
    }
  }, [get, url, paramsKey]);

  React.useEffect(() => {
    setState((previous) => ({ ...previous, error: undefined, isLoading: url !== null && previous.data === undefined }));
    refetch();
  }, [refetch]);

  return { ...state, refetch } as ApiState<T>;
}

/** Calls `callback` every `ms` while `ms` is set (pages poll while a run is running). */
export function useInterval(callback: () => unknown, ms: number | undefined) {
  const latest = React.useRef(callback);
  latest.current = callback;
  React.useEffect(() => {
    if (!ms) return;
    const timer = setInterval(() => latest.current(), ms);
    return () => clearInterval(timer);
  }, [ms]);
}

/** How often pages refresh while a run is sending. */
export const POLL_MS = 2000;

/** The message of a failed request: the server's error message when it gave one. */
export const errorMessage = (error: unknown) =>
  (isFetchError(error) && error.response?.data?.error?.message) ||
  (error instanceof Error ? error.message : String(error));

/** Field name → message, from a 400's `error.details.errors[].path` (the plugin's validation shape). */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!isFetchError(error)) return {};
  const details = error.response?.data?.error?.details as
    | { errors?: { path: string[]; message: string }[] }
    | undefined;
  return Object.fromEntries((details?.errors ?? []).map(({ path, message }) => [path[0] ?? '', message]));
}
