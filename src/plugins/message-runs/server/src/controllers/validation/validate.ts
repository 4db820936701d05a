import { errors, yup } from '@strapi/utils';

/**
 * Validates (and, for query strings, casts) request input. Every problem is reported at once, each
 * message naming its field, with Strapi's `details.errors` paths for clients that mark fields.
 */
export async function validate<T>(schema: yup.AnySchema, input: unknown): Promise<T> {
  try {
    return await schema.validate(input, { abortEarly: false, stripUnknown: false });
  } catch (error) {
    if (!(error instanceof yup.ValidationError)) throw error;
    const problems = error.inner.length ? error.inner : [error];
    throw new errors.ValidationError(problems.map((problem) => problem.message).join('; '), {
      errors: problems.map((problem) => ({
        path: problem.path ? problem.path.split(/[.[\]]/).filter(Boolean) : [],
        message: problem.message,
        name: 'ValidationError',
        value: problem.value,
      })),
    });
  }
}

/**
 * A string field that takes only strings: a number, an array or an object is refused naming the field
 * (yup would cast a number to text, and its `.trim()` called `trim` on whatever came).
 */
export const string = () =>
  yup
    .string()
    // Undo yup's cast of anything to text: what came is what is checked.
    .transform((_cast, original) => original)
    .typeError(({ path }) => `${path} must be a string`);

/** A `string()` without surrounding blanks. */
export const trimmedString = () => string().transform((value) => (typeof value === 'string' ? value.trim() : value));

/** An object schema's message for a field it does not have: yup passes its names as `unknown`, which its types omit. */
export const unknownField = (params: object) => `unknown field: ${(params as { unknown?: string }).unknown}`;

/** Strapi documentIds: 24 lowercase letters and digits. */
export const DOCUMENT_ID = /^[a-z0-9]{24}$/;

export const documentId = (field: string) =>
  string().matches(DOCUMENT_ID, `${field} must be a documentId (24 lowercase letters and digits)`);

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A date as YYYY-MM-DD that is on the calendar: month 1-12, a day the month has, year 1 to 9999 (there is no year 0). */
export function isCalendarDate(value: string) {
  const [, year, month, day] = ISO_DATE.exec(value)?.map(Number) ?? [];
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export async function validateDocumentIdParam(id: unknown) {
  await validate(yup.object({ id: documentId('id').required('id is required') }), { id });
  return id as string;
}

/** An attachment's position in a message, from 1, as the preview lists them. */
export async function validateAttachmentPosition(position: unknown) {
  const schema = yup.object({
    position: string()
      .required('position is required')
      .matches(/^[1-9]\d{0,2}$/, 'position must be a whole number from 1 to 999'),
  });
  await validate(schema, { position });
  return Number(position);
}

/** Beyond any list's end; a bound keeps `page * pageSize` an exact offset for the database. */
const MAX_PAGE = 1_000_000;

/** A whole number from 1 to `max` in decimal digits (not `1e3`, `0x10` or `1.0`), cast from the query string. */
const pageNumber = (field: string, max: number, defaultValue: number) => {
  const whole = (value: unknown): value is number => Number.isSafeInteger(value);
  return yup
    .mixed<number>()
    .transform((value) => (typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value))
    .test('whole', `${field} must be a whole number`, (value) => value === undefined || whole(value))
    .test('min', `${field} must be 1 or more`, (value) => !whole(value) || value >= 1)
    .test('max', `${field} must be ${max} or less`, (value) => !whole(value) || value <= max)
    .default(defaultValue);
};

/** `page` and `pageSize` of a list, cast from the query string. */
export const paginationFields = ({
  maxPageSize,
  defaultPageSize,
}: {
  maxPageSize: number;
  defaultPageSize: number;
}) => ({
  page: pageNumber('page', MAX_PAGE, 1),
  pageSize: pageNumber('pageSize', maxPageSize, defaultPageSize),
});
