import { Pagination } from '@strapi/strapi/admin';
import type { Pagination as PaginationMeta } from '../../../shared/contracts/runs';

const PAGE_SIZES = ['10', '25', '50', '100'];

/** Page size and page links of a server-side list; the page and size live in the URL (`page`, `pageSize`). */
export const ListPagination = ({ pagination }: { pagination: Omit<PaginationMeta, 'page'> }) => (
  <Pagination.Root pageCount={pagination.pageCount} total={pagination.total} defaultPageSize={pagination.pageSize}>
    {/* The lists' default page size, 25, is one of the choices (Strapi's own are 10, 20, 50, 100). */}
    <Pagination.PageSize options={PAGE_SIZES} />
    <Pagination.Links />
  </Pagination.Root>
);
