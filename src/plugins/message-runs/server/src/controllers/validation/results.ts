import { yup } from '@strapi/utils';
import { RESULT_STATUSES, type ResultStatus } from '../../../../shared/constants';
import {
  MAX_RESULTS_PAGE_SIZE,
  type GetResults,
  MAX_TEST_SEND_ADDRESSES,
  RESULT_SORT_KEYS,
  type RemoveResults,
  type ResultSortKey,
  type TestSendResult,
} from '../../../../shared/contracts/results';
import { decodeResultsCursor, MAX_CURSOR_LENGTH } from '../../domain/results-cursor';
import { fieldError } from '../../errors';
import { DOCUMENT_ID, paginationFields, string, trimmedString, unknownField, validate } from './validate';

const MAX_IDS = 10_000;
const STATUS_LIST = `one of ${RESULT_STATUSES.join(', ')}`;

/** Each status once: the list merges one index range per status, and counts the filter's total per status. */
const statusList = (value?: string) => (value ? [...new Set(value.split(',').map((status) => status.trim()))] : undefined);

const resultsQuerySchema = yup.object({
  status: string().test(
    'statuses',
    ({ value }) => `status must be a comma-separated list of ${STATUS_LIST}, not "${value}"`,
    (value) => (statusList(value) ?? []).every((status) => (RESULT_STATUSES as readonly string[]).includes(status))
  ),
  q: trimmedString().max(200, 'q must be at most 200 characters'),
  ...paginationFields({ maxPageSize: MAX_RESULTS_PAGE_SIZE, defaultPageSize: 25 }),
  sort: string()
    .default('createdAt:asc')
    .test(
      'sort',
      `sort must be <field>:asc or <field>:desc, with field one of ${RESULT_SORT_KEYS.join(', ')}`,
      (value) => {
        const [key, order = 'asc'] = (value ?? '').split(':');
        return (RESULT_SORT_KEYS as readonly string[]).includes(key) && (order === 'asc' || order === 'desc');
      }
    ),
  cursor: string().max(MAX_CURSOR_LENGTH, 'cursor is not a cursor this list gave: it is too long'),
});

export async function validateResultsQuery(query: unknown) {
  type Query = GetResults.Request['query'];
  const given = (query ?? {}) as Query;
  if (given.page !== undefined && given.cursor !== undefined) {
    throw fieldError('cursor', 'and page cannot both be given: a cursor says which page');
  }
  const valid = await validate<Query & Required<Pick<Query, 'page' | 'pageSize' | 'sort'>>>(
    resultsQuerySchema,
    query ?? {}
  );
  const [key, order = 'asc'] = valid.sort.split(':') as [ResultSortKey, 'asc' | 'desc'];
  const sort = { key, order };
  const filter = { statuses: statusList(valid.status) as ResultStatus[] | undefined, q: valid.q || undefined };
  if (valid.cursor === undefined) {
    return { filter, page: { sort, pageSize: valid.pageSize, page: valid.page } };
  }
  const cursor = decodeResultsCursor(valid.cursor, sort, filter);
  if ('problem' in cursor) throw fieldError('cursor', cursor.problem);
  return { filter, page: { sort, pageSize: valid.pageSize, after: cursor.after } };
}

export const validateExportQuery = async (query: unknown) => (await validateResultsQuery(query)).filter;

const ids = yup
  .array()
  .of(string().matches(DOCUMENT_ID, ({ value }) => `ids holds "${value}", which is not a documentId`))
  .min(1, 'ids must name at least one result')
  .max(MAX_IDS, `ids may name at most ${MAX_IDS} results; use status to select more`);

const resendSchema = yup
  .object({
    ids,
    status: yup
      .array()
      .of(string().oneOf([...RESULT_STATUSES], ({ value }) => `status holds "${value}", which is not ${STATUS_LIST}`))
      .min(1, 'status must name at least one status'),
  })
  .test('one-selection', 'give either ids or status, not both', (body) => !(body?.ids && body?.status))
  .test('some-selection', 'ids or status is required', (body) => Boolean(body?.ids || body?.status))
  .test(
    'not-sending',
    'status cannot include sending: those results are being sent',
    (body) => !body?.status?.includes('sending')
  )
  .noUnknown(true, unknownField);

const unique = <T>(values?: T[]) => (values ? [...new Set(values)] : undefined);

export async function validateResendBody(body: unknown) {
  const valid = await validate<{ ids?: string[]; status?: ResultStatus[] }>(resendSchema, body ?? {});
  return { ids: unique(valid.ids), status: unique(valid.status) };
}

const removeSchema = yup.object({ ids: ids.required('ids is required') }).noUnknown(true, unknownField);

export async function validateRemoveBody(body: unknown) {
  const valid = await validate<RemoveResults.Request['body']>(removeSchema, body ?? {});
  return unique(valid.ids)!;
}

const testSendSchema = yup
  .object({
    to: yup
      .array()
      // Undo yup's JSON parsing of a string: a list is a list.
      .transform((_cast, original) => original)
      .of(
        trimmedString()
          .required('to must not hold an empty address')
          .email(({ value }) => `to holds "${value}", which is not an email address`)
      )
      .typeError('to must be a list of email addresses')
      .required('to is required')
      .min(1, 'to must name at least one address')
      .max(MAX_TEST_SEND_ADDRESSES, `to may name at most ${MAX_TEST_SEND_ADDRESSES} addresses`),
  })
  .noUnknown(true, unknownField);

/** The addresses of a test-send, each once (compared case-insensitively, as the suppression list does). */
export async function validateTestSendBody(body: unknown) {
  const { to } = await validate<TestSendResult.Request['body']>(testSendSchema, body ?? {});
  const seen = new Set<string>();
  return to.filter((address) => !seen.has(address.toLowerCase()) && Boolean(seen.add(address.toLowerCase())));
}
