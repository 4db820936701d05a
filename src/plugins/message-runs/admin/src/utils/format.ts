import { useIntl } from 'react-intl';

/** A calendar date (YYYY-MM-DD) as the local-midnight Date the DatePicker shows, and back. */
export const fromIsoDate = (iso?: string) => (iso ? new Date(`${iso}T00:00:00`) : undefined);

export const toIsoDate = (date?: Date) =>
  date
    ? `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`
    : undefined;

/** Name of whoever created a run, or undefined. */
export const fullName = (user: { firstname: string | null; lastname: string | null } | null) =>
  user ? [user.firstname, user.lastname].filter(Boolean).join(' ') || undefined : undefined;

/**
 * The plugin's two kinds of date, each written one way on every page: a calendar `day` (an invoice
 * period's bound, "Oct 1, 2026", the same day in every time zone) and a `moment` (created, sent, an
 * event: "Oct 1, 2026, 7:00:12 AM", in the admin's time zone).
 */
export function useDateFormats() {
  const { formatDate } = useIntl();
  return {
    day: (iso: string) => formatDate(fromIsoDate(iso), { dateStyle: 'medium' }),
    moment: (iso: string) => formatDate(iso, { dateStyle: 'medium', timeStyle: 'medium' }),
  };
}
