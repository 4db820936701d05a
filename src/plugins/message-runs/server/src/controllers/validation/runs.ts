import { yup } from '@strapi/utils';
import { RUN_STATUSES } from '../../../../shared/constants';
import type { RunCriteria } from '../../../../shared/contracts/runs';
import { documentId, isCalendarDate, paginationFields, string, trimmedString, validate } from './validate';

const date = (field: string) =>
  string()
    .required(`${field} is required`)
    .test(
      'date',
      `${field} must be a date as YYYY-MM-DD, a day on the calendar`,
      (value) => value === undefined || isCalendarDate(value)
    );

export const MAX_BCC = 20;

const criteriaSchema = yup
  .object({
    definition: documentId('definition').required('definition is required'),
    cluster: documentId('cluster').required('cluster is required'),
    includeChildren: yup.boolean().typeError('includeChildren must be true or false').default(false),
    includeAlreadySent: yup.boolean().typeError('includeAlreadySent must be true or false').default(false),
    periodStart: date('periodStart'),
    periodEnd: date('periodEnd').test('after-start', 'periodEnd must not be before periodStart', function (periodEnd) {
      const { periodStart } = this.parent;
      const bothDates = [periodStart, periodEnd].every((value) => typeof value === 'string' && isCalendarDate(value));
      return !bothDates || periodEnd >= periodStart;
    }),
    bcc: yup
      .array()
      .of(trimmedString().email(({ value }) => `bcc holds "${value}", which is not an email address`))
      .max(MAX_BCC, `bcc holds at most ${MAX_BCC} addresses`)
      .default([]),
  })
  .noUnknown(true, (params: any) => `unknown field: ${params.unknown}`)
  .typeError('the body must be an object of run criteria');

/** Bcc addresses without duplicates (compared without case), in the order given. */
const uniqueAddresses = (addresses: string[]) => {
  const seen = new Set<string>();
  return addresses.filter((address) => !seen.has(address.toLowerCase()) && seen.add(address.toLowerCase()));
};

export async function validateRunCriteria(body: unknown): Promise<RunCriteria> {
  const criteria = await validate<RunCriteria>(criteriaSchema, body ?? {});
  return { ...criteria, bcc: uniqueAddresses(criteria.bcc ?? []) };
}

const runsQuerySchema = yup.object({
  ...paginationFields({ maxPageSize: 100, defaultPageSize: 10 }),
  status: string().oneOf([...RUN_STATUSES], `status must be one of ${RUN_STATUSES.join(', ')}`),
});

export const validateRunsQuery = (query: unknown) =>
  validate<{ page: number; pageSize: number; status?: (typeof RUN_STATUSES)[number] }>(runsQuerySchema, query ?? {});
