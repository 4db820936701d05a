/** A calendar date (YYYY-MM-DD) as the local-midnight Date the DatePicker shows, and back. */
export const fromIsoDate = (iso?: string) => (iso ? new Date(`${iso}T00:00:00`) : undefined);

export const toIsoDate = (date?: Date) =>
  date
    ? `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`
    : undefined;

/** Name of whoever created a run, or undefined. */
export const fullName = (user: { firstname: string | null; lastname: string | null } | null) =>
  user ? [user.firstname, user.lastname].filter(Boolean).join(' ') || undefined : undefined;
