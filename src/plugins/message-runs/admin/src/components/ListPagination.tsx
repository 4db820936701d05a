import { Pagination } from '@strapi/strapi/admin';
import type { Pagination as PaginationMeta } from '../../../shared/contracts/runs';

/** Page size and page links of a server-side list; the page and size live in the URL (`page`, `pageSize`). */
export const ListPagination = ({ pagination }: { pagination: PaginationMeta }) => (
  <Pagination.Root pageCount={pagination.pageCount} total={pagination.total} defaultPageSize={pagination.pageSize}>
    <Pagination.PageSize />
    <Pagination.Links />
  </Pagination.Root>
);
