import * as React from 'react';
import { Button, Combobox, ComboboxOption, DatePicker, Grid, Modal, TimePicker } from '@strapi/design-system';
import { Clock } from '@strapi/icons';
import { useFetchClient, useNotification } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import { PLUGIN_ID } from '../../../shared/constants';
import type { Run, ScheduleRequest, ScheduleRun } from '../../../shared/contracts/runs';
import { wallTimeAt } from '../../../shared/time-zones';
import { errorMessage, fieldErrors } from '../hooks/useApi';
import { fromIsoDate, toIsoDate } from '../utils/format';
import { useT } from '../utils/translations';
import { FormField } from './FormField';

/** A schedule as the pickers hold it: a calendar date, a wall time (HH:mm) and an IANA zone. */
export interface ScheduleValue {
  date?: string;
  time?: string;
  timeZone: string;
}

export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The request body once a date and a time are chosen: the server places the wall time in the zone. */
export const toScheduleRequest = ({ date, time, timeZone }: ScheduleValue): ScheduleRequest | undefined =>
  date && time ? { scheduledAt: `${date}T${time.slice(0, 5)}`, timeZone } : undefined;

const pad = (value: number) => String(value).padStart(2, '0');

/** A run's schedule as the admin chose it (in its zone, or the browser's when given with an offset). */
const scheduleOf = (run: Run): ScheduleValue => {
  const timeZone = run.timeZone ?? browserTimeZone();
  if (!run.scheduledAt) return { timeZone };
  const wall = wallTimeAt(new Date(run.scheduledAt), timeZone);
  return {
    date: `${wall.year}-${pad(wall.month)}-${pad(wall.day)}`,
    time: `${pad(wall.hour)}:${pad(wall.minute)}`,
    timeZone,
  };
};

/** `UTC+01:00` on the given day, as content-releases shows a zone's offset (it changes with daylight saving). */
const offsetLabel = (timeZone: string, day: Date) => {
  const name = new Intl.DateTimeFormat('en', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(day)
    .find((part) => part.type === 'timeZoneName')?.value;
  return name === 'GMT' || !name ? 'UTC+00:00' : name.replace('GMT', 'UTC');
};

/** Date, time and time-zone pickers; errors are the server's, on `scheduledAt` and `timeZone`. */
export const ScheduleFields = ({
  value,
  onChange,
  errors,
}: {
  value: ScheduleValue;
  onChange: (value: ScheduleValue) => void;
  errors: Record<string, string>;
}) => {
  const t = useT();
  const day = fromIsoDate(value.date) ?? new Date();
  const zones = React.useMemo(
    () => Intl.supportedValuesOf('timeZone').map((zone) => ({ zone, label: `${offsetLabel(zone, day)} ${zone}` })),
    [value.date]
  );
  const change = (changes: Partial<ScheduleValue>) => onChange({ ...value, ...changes });
  return (
    <>
      <FormField col={4} name="scheduleDate" label={t('schedule.date', 'Date')} error={errors.scheduledAt}>
        <DatePicker
          value={fromIsoDate(value.date)}
          minDate={new Date()}
          onChange={(date) => change({ date: toIsoDate(date) })}
          onClear={() => change({ date: undefined })}
          clearLabel={t('form.clear', 'Clear')}
        />
      </FormField>
      <FormField col={3} name="scheduleTime" label={t('schedule.time', 'Time')}>
        <TimePicker
          value={value.time}
          onChange={(time) => change({ time: time || undefined })}
          onClear={() => change({ time: undefined })}
          clearLabel={t('form.clear', 'Clear')}
        />
      </FormField>
      <FormField col={5} name="scheduleTimeZone" label={t('schedule.timeZone', 'Time zone')} error={errors.timeZone}>
        <Combobox
          autocomplete={{ type: 'list', filter: 'contains' }}
          value={value.timeZone}
          onChange={(timeZone) => timeZone && change({ timeZone })}
        >
          {zones.map(({ zone, label }) => (
            <ComboboxOption key={zone} value={zone}>
              {label}
            </ComboboxOption>
          ))}
        </Combobox>
      </FormField>
    </>
  );
};

/** The run's schedule as chosen: "1 Dec 2026, 07:00 (Europe/Berlin)". */
export const useScheduleLabel = () => {
  const { formatDate } = useIntl();
  return (at: string, timeZone: string | null) =>
    `${formatDate(at, { dateStyle: 'medium', timeStyle: 'short', timeZone: timeZone ?? undefined })}${timeZone ? ` (${timeZone})` : ''}`;
};

/** The run page's "Schedule" button: sets or moves the schedule of a created, stopped or scheduled run. */
export const ScheduleRunButton = ({ run, onDone }: { run: Run; onDone: () => unknown }) => {
  const t = useT();
  const { post } = useFetchClient();
  const { toggleNotification } = useNotification();
  const [open, setOpen] = React.useState(false);
  const [value, setValue] = React.useState<ScheduleValue>(() => scheduleOf(run));
  const [errors, setErrors] = React.useState<Record<string, string>>({});
  const [saving, setSaving] = React.useState(false);
  const body = toScheduleRequest(value);

  const save = async () => {
    if (!body) return;
    setSaving(true);
    try {
      await post<ScheduleRun.Response>(`/${PLUGIN_ID}/runs/${run.documentId}/schedule`, body);
      toggleNotification({ type: 'success', message: t('schedule.saved', 'Run scheduled') });
      setOpen(false);
      await onDone();
    } catch (error) {
      const byField = fieldErrors(error);
      setErrors(byField);
      if (!Object.keys(byField).some(Boolean)) toggleNotification({ type: 'danger', message: errorMessage(error) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal.Root
      open={open}
      onOpenChange={(next: boolean) => {
        if (next) setValue(scheduleOf(run));
        setErrors({});
        setOpen(next);
      }}
    >
      <Modal.Trigger>
        <Button variant="secondary" startIcon={<Clock />}>
          {run.status === 'scheduled' ? t('schedule.move', 'Change schedule') : t('schedule.button', 'Schedule')}
        </Button>
      </Modal.Trigger>
      <Modal.Content>
        <Modal.Header>
          <Modal.Title>{t('schedule.title', 'Start the run at')}</Modal.Title>
        </Modal.Header>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            save();
          }}
        >
          <Modal.Body>
            <Grid.Root gap={5}>
              <ScheduleFields value={value} onChange={setValue} errors={errors} />
            </Grid.Root>
          </Modal.Body>
          <Modal.Footer>
            <Modal.Close>
              <Button variant="tertiary">{t('form.cancel', 'Cancel')}</Button>
            </Modal.Close>
            <Button type="submit" loading={saving} disabled={!body}>
              {t('schedule.save', 'Schedule')}
            </Button>
          </Modal.Footer>
        </form>
      </Modal.Content>
    </Modal.Root>
  );
};
