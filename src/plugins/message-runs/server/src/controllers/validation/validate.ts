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

/** Strapi documentIds: 24 lowercase letters and digits. */
export const DOCUMENT_ID = /^[a-z0-9]{24}$/;

export const documentId = (field: string) =>
  yup.string().matches(DOCUMENT_ID, `${field} must be a documentId (24 lowercase letters and digits)`);

export async function validateDocumentIdParam(id: unknown) {
  await validate(yup.object({ id: documentId('id').required('id is required') }), { id });
  return id as string;
}

/** `page` and `pageSize` of a list, cast from the query string. */
export const paginationFields = ({ maxPageSize, defaultPageSize }: { maxPageSize: number; defaultPageSize: number }) => ({
  page: yup.number().typeError('page must be a number').integer('page must be a whole number').min(1, 'page must be 1 or more').default(1),
  pageSize: yup
    .number()
    .typeError('pageSize must be a number')
    .integer('pageSize must be a whole number')
    .min(1, 'pageSize must be 1 or more')
    .max(maxPageSize, `pageSize must be ${maxPageSize} or less`)
    .default(defaultPageSize),
});
