import * as React from 'react';
import { useQueryParams } from '@strapi/strapi/admin';
import type { GetResults, Result } from '../../../shared/contracts/results';

/** status: one status or several, comma-separated (GET /runs/:id/results takes both). */
type Query = { page?: string; pageSize?: string; sort?: string; status?: string; _q?: string };

/**
 * The results list's state: filter, search, sort and page in the URL (so a reload or a shared link
 * shows the same list), as the request's query (GetResults.Request).
 */
export function useResultsList() {
  const [{ query }, setQuery] = useQueryParams<Query>();
  const sort = query.sort ?? 'createdAt:asc';
  // SearchInput keeps its text encoded in `_q`.
  const q = query._q ? decodeURIComponent(query._q) : undefined;
  const params = {
    page: Number(query.page ?? 1),
    pageSize: Number(query.pageSize ?? 25),
    sort,
    status: query.status,
    q,
  } satisfies GetResults.Request['query'];
  return {
    params,
    /** Whether the list is narrowed: its empty state says so. */
    filtered: Boolean(query.status || q),
    setSort: (next: string) => setQuery({ sort: next, page: '1' }),
    setStatus: (status: string | undefined) => setQuery({ status, page: '1' }),
  };
}

/**
 * The selected rows of the list shown, by documentId. The selection survives the list's refreshes; another
 * page, filter or order (`listKey`) shows other rows, and a selection of rows no longer shown would surprise.
 */
export function useSelection(rows: Result[], listKey: string) {
  const [selected, setSelected] = React.useState<Set<string>>(new Set());
  React.useEffect(() => setSelected(new Set()), [listKey]);
  const selectedIds = rows.filter((row) => selected.has(row.documentId)).map((row) => row.documentId);
  return {
    isSelected: (id: string) => selected.has(id),
    selectedIds,
    /** The header checkbox's state. */
    all:
      rows.length > 0 && selectedIds.length === rows.length
        ? true
        : selectedIds.length > 0
          ? ('indeterminate' as const)
          : false,
    toggle: (id: string, on: boolean) =>
      setSelected((previous) => {
        const next = new Set(previous);
        if (on) next.add(id);
        else next.delete(id);
        return next;
      }),
    toggleAll: (on: boolean) => setSelected(new Set(on ? rows.map((row) => row.documentId) : [])),
    /** Removed rows leave the selection. */
    drop: (ids: string[]) => setSelected((previous) => new Set([...previous].filter((id) => !ids.includes(id)))),
  };
}

export type Selection = ReturnType<typeof useSelection>;
