import { errors } from '@strapi/utils';
import {
  isCalendarDate,
  validateAttachmentPosition,
  validateDocumentIdParam,
} from '../../src/plugins/message-runs/server/src/controllers/validation/validate';
import {
  MAX_BCC,
  SCHEDULE_GRACE_MS,
  validateNewRun,
  validateRunCriteria,
  validateRunsQuery,
  validateSchedule,
} from '../../src/plugins/message-runs/server/src/controllers/validation/runs';
import {
  validateExportQuery,
  validateRemoveBody,
  validateResendBody,
  validateResultsQuery,
  validateTestSendBody,
} from '../../src/plugins/message-runs/server/src/controllers/validation/results';
import {
  validateOptionsQuery,
  validateTestEmailBody,
} from '../../src/plugins/message-runs/server/src/controllers/validation/admin';
import type { RunCriteria } from '../../src/plugins/message-runs/shared/contracts/runs';

/**
 * The request schemas of the plugin's routes (controllers/validation): what each accepts, as what,
 * and each refusal's message and field path, as Strapi's 400 carries them.
 */

const DEFINITION = 'd'.repeat(24);
const CLUSTER = 'c'.repeat(24);
const criteria = (overrides: Record<string, unknown> = {}) => ({
  definition: DEFINITION,
  cluster: CLUSTER,
  periodStart: '2026-01-01',
  periodEnd: '2026-01-31',
  ...overrides,
});

/** The refusal of a validation: its message and each problem's field path. */
async function refusal(validation: Promise<unknown>) {
  const error = await validation.then(
    () => undefined,
    (thrown: unknown) => thrown
  );
  if (!(error instanceof errors.ValidationError)) throw new Error(`expected a ValidationError, got ${String(error)}`);
  const details = error.details as { errors: { path: string[]; message: string }[] };
  return { message: error.message, paths: details.errors.map((problem) => problem.path.join('.')) };
}

describe('run criteria (POST /runs/preview, POST /runs)', () => {
  it('accepts criteria, with the defaults, and Bcc addresses once each without regard to case', async () => {
    const valid: RunCriteria = await validateRunCriteria(
      criteria({ bcc: [' Audit@example.com', 'audit@EXAMPLE.com', 'ops@example.com'] })
    );
    expect(valid).toEqual({
      ...criteria(),
      includeChildren: false,
      includeAlreadySent: false,
      bcc: ['Audit@example.com', 'ops@example.com'],
    });
  });

  it('reports every problem at once, each naming its field', async () => {
    const { message, paths } = await refusal(
      validateRunCriteria({ cluster: 'abc', periodStart: '2026-02-30', periodEnd: '01-02-2026', colour: 'red' })
    );
    expect(message.split('; ').sort()).toEqual(
      [
        'definition is required',
        'cluster must be a documentId (24 lowercase letters and digits)',
        'periodStart must be a date as YYYY-MM-DD, a day on the calendar',
        'periodEnd must be a date as YYYY-MM-DD, a day on the calendar',
        'unknown field: colour',
      ].sort()
    );
    expect(paths).toEqual(expect.arrayContaining(['definition', 'cluster', 'periodStart', 'periodEnd']));
  });

  it('refuses a period that ends before it starts', async () => {
    expect(await refusal(validateRunCriteria(criteria({ periodEnd: '2025-12-31' })))).toEqual({
      message: 'periodEnd must not be before periodStart',
      paths: ['periodEnd'],
    });
  });

  it('takes only booleans, strings and addresses where they belong', async () => {
    expect((await refusal(validateRunCriteria(criteria({ includeChildren: 'perhaps' })))).message).toBe(
      'includeChildren must be true or false'
    );
    expect((await refusal(validateRunCriteria(criteria({ definition: 42 })))).message).toBe(
      'definition must be a string'
    );
    expect(await refusal(validateRunCriteria(criteria({ bcc: ['ok@example.com', 'nope'] })))).toEqual({
      message: 'bcc holds "nope", which is not an email address',
      paths: ['bcc.1'],
    });
    const tooMany = Array.from({ length: MAX_BCC + 1 }, (_, i) => `a${i}@example.com`);
    expect((await refusal(validateRunCriteria(criteria({ bcc: tooMany })))).message).toBe(
      `bcc holds at most ${MAX_BCC} addresses`
    );
  });

  it('refuses a body that is not an object', async () => {
    expect((await refusal(validateRunCriteria('definition'))).message).toBe(
      'the body must be an object of run criteria'
    );
  });
});

describe('schedules (POST /runs with scheduledAt, POST /runs/:id/schedule)', () => {
  it('creates a run without a schedule unless scheduledAt is given', async () => {
    expect((await validateNewRun(criteria())).schedule).toBeNull();
  });

  it('takes a wall time in an IANA zone, or an instant with an offset', async () => {
    const { schedule } = await validateNewRun(
      criteria({ scheduledAt: '2030-12-01T07:00', timeZone: 'Europe/Berlin', notAfter: '2030-12-01T09:00' })
    );
    expect(schedule).toEqual({
      scheduledAt: new Date('2030-12-01T06:00:00Z'),
      timeZone: 'Europe/Berlin',
      notAfter: new Date('2030-12-01T08:00:00Z'),
    });
    expect(await validateSchedule({ scheduledAt: '2030-07-15T07:00:00+02:00' })).toEqual({
      scheduledAt: new Date('2030-07-15T05:00:00Z'),
      timeZone: null,
      notAfter: null,
    });
  });

  it('takes a time just past, within the grace for clocks that disagree, and refuses one before it', async () => {
    const justPast = new Date(Date.now() - SCHEDULE_GRACE_MS / 2).toISOString();
    expect((await validateSchedule({ scheduledAt: justPast })).scheduledAt).toEqual(new Date(justPast));
    const past = new Date(Date.now() - 2 * SCHEDULE_GRACE_MS).toISOString();
    expect(await refusal(validateSchedule({ scheduledAt: past }))).toEqual({
      message: 'scheduledAt is in the past; start the run instead',
      paths: ['scheduledAt'],
    });
  });

  it('refuses a wall time without a zone, an unknown zone, and a notAfter not after scheduledAt', async () => {
    expect((await refusal(validateSchedule({ scheduledAt: '2030-12-01T07:00' }))).message).toMatch(
      /^scheduledAt must be an ISO 8601 date-time with an offset/
    );
    expect(
      (await refusal(validateSchedule({ scheduledAt: '2030-12-01T07:00Z', timeZone: 'Mars/Olympus' }))).message
    ).toBe('timeZone "Mars/Olympus" is not an IANA time zone (such as Europe/Berlin)');
    expect(
      (await refusal(validateSchedule({ scheduledAt: '2030-12-01T07:00Z', notAfter: '2030-12-01T06:00Z' }))).message
    ).toBe('notAfter must be after scheduledAt, and needs it');
    expect((await refusal(validateNewRun(criteria({ notAfter: '2030-12-01T06:00Z' })))).message).toBe(
      'notAfter must be after scheduledAt, and needs it'
    );
    expect((await refusal(validateSchedule({}))).message).toBe('scheduledAt is required');
  });
});

describe('lists (GET /runs, GET /runs/:id/results)', () => {
  it('casts page and pageSize from the query string, with their defaults', async () => {
    expect(await validateRunsQuery({})).toEqual({ page: 1, pageSize: 10 });
    expect(await validateRunsQuery({ page: '2', pageSize: '100', status: 'running' })).toEqual({
      page: 2,
      pageSize: 100,
      status: 'running',
    });
  });

  it('takes whole numbers in decimal digits only, within the bounds', async () => {
    for (const page of ['1e3', '0x10', '1.0', 'two']) {
      expect((await refusal(validateRunsQuery({ page }))).message).toBe('page must be a whole number');
    }
    expect((await refusal(validateRunsQuery({ page: '0' }))).message).toBe('page must be 1 or more');
    expect((await refusal(validateRunsQuery({ pageSize: '101' }))).message).toBe('pageSize must be 100 or less');
    expect((await refusal(validateRunsQuery({ status: 'paused' }))).message).toBe(
      'status must be one of created, scheduled, running, stopped, completed'
    );
  });

  it('reads a results query as a filter and a sorted page', async () => {
    expect(await validateResultsQuery({})).toEqual({
      filter: { statuses: undefined, q: undefined },
      page: { page: 1, pageSize: 25, sort: { key: 'createdAt', order: 'asc' } },
    });
    expect(await validateResultsQuery({ status: 'failed, sent', q: '  Schäfer ', sort: 'customer.name:desc' })).toEqual(
      {
        filter: { statuses: ['failed', 'sent'], q: 'Schäfer' },
        page: { page: 1, pageSize: 25, sort: { key: 'customer.name', order: 'desc' } },
      }
    );
    expect(await validateExportQuery({ status: 'queued' })).toEqual({ statuses: ['queued'], q: undefined });
  });

  it('refuses an unknown status, sort key or order, and a long search', async () => {
    expect((await refusal(validateResultsQuery({ status: 'queued,bogus' }))).message).toMatch(
      /^status must be a comma-separated list of one of queued, sending, .*, not "queued,bogus"$/
    );
    expect((await refusal(validateResultsQuery({ sort: 'price:asc' }))).message).toMatch(
      /^sort must be <field>:asc or <field>:desc, with field one of createdAt, status/
    );
    expect((await refusal(validateResultsQuery({ sort: 'status:up' }))).paths).toEqual(['sort']);
    expect((await refusal(validateResultsQuery({ q: 'x'.repeat(201) }))).message).toBe(
      'q must be at most 200 characters'
    );
    expect((await refusal(validateResultsQuery({ pageSize: '201' }))).message).toBe('pageSize must be 200 or less');
  });
});

describe('result selections (resend, remove)', () => {
  const ID = 'r'.repeat(24);

  it('takes ids or statuses, each once', async () => {
    expect(await validateResendBody({ ids: [ID, ID] })).toEqual({ ids: [ID], status: undefined });
    expect(await validateResendBody({ status: ['failed', 'failed', 'skipped'] })).toEqual({
      ids: undefined,
      status: ['failed', 'skipped'],
    });
    expect(await validateRemoveBody({ ids: [ID, ID] })).toEqual([ID]);
  });

  it('refuses both, neither, sending results, and malformed ids', async () => {
    expect((await refusal(validateResendBody({ ids: [ID], status: ['failed'] }))).message).toBe(
      'give either ids or status, not both'
    );
    expect((await refusal(validateResendBody({}))).message).toBe('ids or status is required');
    expect((await refusal(validateResendBody({ status: ['sending'] }))).message).toBe(
      'status cannot include sending: those results are being sent'
    );
    expect((await refusal(validateResendBody({ status: ['lost'] }))).message).toMatch(
      /^status holds "lost", which is not one of/
    );
    expect(await refusal(validateResendBody({ ids: ['abc'] }))).toEqual({
      message: 'ids holds "abc", which is not a documentId',
      paths: ['ids.0'],
    });
    expect((await refusal(validateResendBody({ ids: [] }))).message).toBe('ids must name at least one result');
    expect((await refusal(validateRemoveBody({}))).message).toBe('ids is required');
    expect((await refusal(validateRemoveBody({ ids: [ID], status: ['failed'] }))).message).toBe(
      'unknown field: status'
    );
  });
});

describe('test-sends (POST /results/:id/test-send)', () => {
  it('takes a list of addresses, each once without regard to case', async () => {
    expect(await validateTestSendBody({ to: [' QA@example.com', 'qa@example.com', 'dev@example.com'] })).toEqual([
      'QA@example.com',
      'dev@example.com',
    ]);
  });

  it('refuses one address given as text, an empty list, too many, and what is not an address', async () => {
    expect((await refusal(validateTestSendBody({ to: 'qa@example.com' }))).message).toBe(
      'to must be a list of email addresses'
    );
    expect((await refusal(validateTestSendBody({ to: [] }))).message).toBe('to must name at least one address');
    const eleven = Array.from({ length: 11 }, (_, i) => `qa${i}@example.com`);
    expect((await refusal(validateTestSendBody({ to: eleven }))).message).toBe('to may name at most 10 addresses');
    expect(await refusal(validateTestSendBody({ to: ['nope'] }))).toEqual({
      message: 'to holds "nope", which is not an email address',
      paths: ['to.0'],
    });
    expect((await refusal(validateTestSendBody({ to: [''] }))).message).toBe('to must not hold an empty address');
    expect((await refusal(validateTestSendBody({}))).message).toBe('to is required');
  });
});

describe('admin routes (options, test email)', () => {
  it('takes a trimmed search text, none when blank', async () => {
    expect(await validateOptionsQuery({ q: '  Bene ' })).toBe('Bene');
    expect(await validateOptionsQuery({ q: '   ' })).toBeUndefined();
    expect(await validateOptionsQuery(undefined)).toBeUndefined();
    expect((await refusal(validateOptionsQuery({ q: ['a', 'b'] }))).message).toBe('q must be a string');
  });

  it('takes one recipient for the test email', async () => {
    expect(await validateTestEmailBody({ to: ' ops@example.com ' })).toBe('ops@example.com');
    expect((await refusal(validateTestEmailBody({ to: 'ops' }))).message).toBe(
      'to holds "ops", which is not an email address'
    );
    expect((await refusal(validateTestEmailBody({}))).message).toBe('to is required');
    expect((await refusal(validateTestEmailBody([]))).message).toBe(
      'the body must be an object with the recipient as `to`'
    );
  });
});

describe('path parameters', () => {
  it('takes a documentId, and an attachment position from 1 to 999', async () => {
    expect(await validateDocumentIdParam(DEFINITION)).toBe(DEFINITION);
    expect(await validateAttachmentPosition('12')).toBe(12);
  });

  it('refuses anything else, naming the parameter', async () => {
    expect(await refusal(validateDocumentIdParam('ABC'))).toEqual({
      message: 'id must be a documentId (24 lowercase letters and digits)',
      paths: ['id'],
    });
    for (const position of ['0', '01', '1000', '1.5']) {
      expect((await refusal(validateAttachmentPosition(position))).message).toBe(
        'position must be a whole number from 1 to 999'
      );
    }
  });
});

describe('isCalendarDate', () => {
  it.each([
    ['2024-02-29', true],
    ['2026-12-31', true],
    ['0001-01-01', true],
    ['2026-02-29', false],
    ['2026-04-31', false],
    ['2026-13-01', false],
    ['0000-01-01', false],
    ['2026-1-01', false],
  ])('%s is a day on the calendar: %s', (value, expected) => {
    expect(isCalendarDate(value)).toBe(expected);
  });
});
