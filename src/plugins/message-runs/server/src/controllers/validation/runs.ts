import { yup } from '@strapi/utils';
import { RUN_STATUSES } from '../../../../shared/constants';
import type { GetRuns, RunCriteria, Schedule, ScheduleRequest } from '../../../../shared/contracts/runs';
import { isTimeZone, resolveInstant } from '../../../../shared/time-zones';
import {
  documentId,
  isCalendarDate,
  paginationFields,
  string,
  trimmedString,
  unknownField,
  validate,
} from './validate';

const date = (field: string) =>
  string()
    .required(`${field} is required`)
    .test(
      'date',
      `${field} must be a date as YYYY-MM-DD, a day on the calendar`,
      (value) => value === undefined || isCalendarDate(value)
    );

export const MAX_BCC = 20;

/**
 * A schedule this far in the past is still taken (it starts at the next tick): the admin's clock and
 * a picker's whole minutes need not agree with the server's to the second.
 */
export const SCHEDULE_GRACE_MS = 60_000;

const instantOf = (value: unknown, timeZone: unknown) =>
  typeof value === 'string' ? resolveInstant(value, typeof timeZone === 'string' ? timeZone : null) : null;

const dateTime = (field: string) =>
  string().test(
    'date-time',
    `${field} must be an ISO 8601 date-time with an offset (2026-12-01T07:00+01:00 or …Z), or without one and with timeZone`,
    function (value) {
      return value === undefined || instantOf(value, this.parent.timeZone) !== null;
    }
  );

const scheduleFields = (required: boolean) => ({
  scheduledAt: (required ? dateTime('scheduledAt').required('scheduledAt is required') : dateTime('scheduledAt')).test(
    'not-past',
    'scheduledAt is in the past; start the run instead',
    function (value) {
      const at = instantOf(value, this.parent.timeZone);
      return !at || at.getTime() >= Date.now() - SCHEDULE_GRACE_MS;
    }
  ),
  timeZone: string().test(
    'zone',
    ({ value }) => `timeZone "${value}" is not an IANA time zone (such as Europe/Berlin)`,
    (value) => value === undefined || isTimeZone(value)
  ),
  notAfter: dateTime('notAfter').test(
    'after-schedule',
    'notAfter must be after scheduledAt, and needs it',
    function (value) {
      if (value === undefined) return true;
      const [at, notAfter] = [this.parent.scheduledAt, value].map((text) => instantOf(text, this.parent.timeZone));
      return this.parent.scheduledAt === undefined ? false : !at || !notAfter || notAfter > at;
    }
  ),
});

const criteriaFields = {
  definition: documentId('definition').required('definition is required'),
  cluster: documentId('cluster').required('cluster is required'),
  includeChildren: yup.boolean().typeError('includeChildren must be true or false').default(false),
  includeAlreadySent: yup.boolean().typeError('includeAlreadySent must be true or false').default(false),
  periodStart: date('periodStart'),
  periodEnd: date('periodEnd').test('after-start', 'periodEnd must not be before periodStart', function (periodEnd) {
    const { periodStart } = this.parent;
    const isDate = (value: unknown): value is string => typeof value === 'string' && isCalendarDate(value);
    return !isDate(periodStart) || !isDate(periodEnd) || periodEnd >= periodStart;
  }),
  bcc: yup
    .array()
    .of(trimmedString().email(({ value }) => `bcc holds "${value}", which is not an email address`))
    .max(MAX_BCC, `bcc holds at most ${MAX_BCC} addresses`)
    .default([]),
};

const criteriaSchema = yup
  .object(criteriaFields)
  .noUnknown(true, unknownField)
  .typeError('the body must be an object of run criteria');

const newRunSchema = yup
  .object({ ...criteriaFields, ...scheduleFields(false) })
  .noUnknown(true, unknownField)
  .typeError('the body must be an object of run criteria');

const scheduleSchema = yup
  .object(scheduleFields(true))
  .noUnknown(true, unknownField)
  .typeError('the body must be an object with scheduledAt');

/** The validated fields as instants (the tests above made sure each resolves). */
const toSchedule = ({ scheduledAt, timeZone, notAfter }: ScheduleRequest): Schedule => ({
  scheduledAt: resolveInstant(scheduledAt, timeZone)!,
  timeZone: timeZone ?? null,
  notAfter: notAfter === undefined ? null : resolveInstant(notAfter, timeZone)!,
});

/** Bcc addresses without duplicates (compared without case), in the order given. */
const uniqueAddresses = (addresses: string[]) => {
  const seen = new Set<string>();
  return addresses.filter((address) => !seen.has(address.toLowerCase()) && seen.add(address.toLowerCase()));
};

export async function validateRunCriteria(body: unknown): Promise<RunCriteria> {
  const criteria = await validate<RunCriteria>(criteriaSchema, body ?? {});
  return { ...criteria, bcc: uniqueAddresses(criteria.bcc ?? []) };
}

/** POST /runs: the criteria, and a schedule when `scheduledAt` is given. */
export async function validateNewRun(body: unknown): Promise<{ criteria: RunCriteria; schedule: Schedule | null }> {
  const { scheduledAt, timeZone, notAfter, ...criteria } = await validate<RunCriteria & Partial<ScheduleRequest>>(
    newRunSchema,
    body ?? {}
  );
  return {
    criteria: { ...criteria, bcc: uniqueAddresses(criteria.bcc ?? []) },
    schedule: scheduledAt === undefined ? null : toSchedule({ scheduledAt, timeZone, notAfter }),
  };
}

export async function validateSchedule(body: unknown): Promise<Schedule> {
  return toSchedule(await validate<ScheduleRequest>(scheduleSchema, body ?? {}));
}

const runsQuerySchema = yup.object({
  ...paginationFields({ maxPageSize: 100, defaultPageSize: 10 }),
  status: string().oneOf([...RUN_STATUSES], `status must be one of ${RUN_STATUSES.join(', ')}`),
});

export const validateRunsQuery = (query: unknown) =>
  validate<Required<Pick<GetRuns.Request['query'], 'page' | 'pageSize'>> & Pick<GetRuns.Request['query'], 'status'>>(
    runsQuerySchema,
    query ?? {}
  );
