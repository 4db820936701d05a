import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { isCalendarDate } from '../plugins/message-runs/server/src/controllers/validation/validate';

/**
 * Refuses a `date` field that is not a day on the calendar (`2024-13-01`, `2026-02-31`, `0000-01-01`)
 * with a 400 naming it, for every content type's writes. Strapi checks no date format: its database
 * layer threw a plain error on the first two (a 500), and PostgreSQL refused year 0 (another 500)
 * while SQLite stored it.
 */
export function registerCalendarDates(strapi: Core.Strapi) {
  strapi.documents.use((ctx, next) => {
    const data = (ctx.params as { data?: Record<string, unknown> }).data;
    if ((ctx.action !== 'create' && ctx.action !== 'update') || !data) return next();
    const problems = Object.entries(strapi.getModel(ctx.uid).attributes)
      .filter(([name, attribute]) => attribute.type === 'date' && !isDateValue(data[name]))
      .map(([name]) => {
        const message = `${name} must be a date as YYYY-MM-DD, a day on the calendar (not ${JSON.stringify(data[name])})`;
        return { path: [name], message, name: 'ValidationError' };
      });
    if (problems.length) {
      throw new errors.ValidationError(problems.map(({ message }) => message).join('; '), { errors: problems });
    }
    return next();
  });
}

/** No value, a Date (from code), or a calendar date as text. */
const isDateValue = (value: unknown) =>
  value === undefined ||
  value === null ||
  (value instanceof Date && !Number.isNaN(value.getTime())) ||
  (typeof value === 'string' && isCalendarDate(value));
