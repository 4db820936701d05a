import { yup } from '@strapi/utils';
import type { GetOptions } from '../../../../shared/contracts/options';
import type { SendTestEmail } from '../../../../shared/contracts/settings';
import { trimmedString, unknownField, validate } from './validate';

const optionsQuerySchema = yup.object({ q: trimmedString().max(200, 'q must be at most 200 characters') });

export async function validateOptionsQuery(query: unknown) {
  const { q } = await validate<GetOptions.Request['query']>(optionsQuerySchema, query ?? {});
  return q || undefined;
}

const testEmailSchema = yup
  .object({
    to: trimmedString()
      .required('to is required')
      .email(({ value }) => `to holds "${value}", which is not an email address`),
  })
  .noUnknown(true, unknownField)
  .typeError('the body must be an object with the recipient as `to`');

export async function validateTestEmailBody(body: unknown) {
  return (await validate<SendTestEmail.Request['body']>(testEmailSchema, body ?? {})).to;
}
