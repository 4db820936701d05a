import * as React from 'react';
import { Button, Combobox, ComboboxOption, Grid, Modal, TimePicker, Typography } from '@strapi/design-system';
import { Clock } from '@strapi/icons';
import { useNotification } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import type { Run, ScheduleRequest } from '../../../shared/contracts/runs';
import { resolveInstant, wallTimeAt } from '../../../shared/time-zones';
import { useScheduleRunMutation } from '../services/api';
import { fromIsoDate, toIsoDate } from '../utils/format';
import { useT } from '../utils/translations';
import { DayPicker } from './DayPicker';
import { FormField } from './FormField';
import { type FormErrors, ModalForm, useFormErrors } from './ModalForm';

/**
 * A schedule as the pickers hold it: a calendar date, a wall time (HH:mm) and an IANA zone, and
 * optionally the latest start (`notAfter`) as a date and a wall time in the same zone.
 */
export interface ScheduleValue {
  date?: string;
  time?: string;
  timeZone: string;
  notAfterDate?: string;
  notAfterTime?: string;
}

export const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** `2026-12-01T07:00`, a wall time the server places in the schedule's zone; none without both parts. */
const wallTimeText = (date?: string, time?: string) => (date && time ? `${date}T${time.slice(0, 5)}` : undefined);

/** The request body once a date and a time are chosen (and the latest start, when it is chosen too). */
export const toScheduleRequest = (value: ScheduleValue): ScheduleRequest | undefined => {
  const scheduledAt = wallTimeText(value.date, value.time);
  if (!scheduledAt) return undefined;
  const notAfter = wallTimeText(value.notAfterDate, value.notAfterTime);
  return { scheduledAt, timeZone: value.timeZone, ...(notAfter && { notAfter }) };
};

/**
 * Why the latest start cannot be sent as chosen: half chosen, without a start, or not after the start
 * (the server refuses the last two as well, compared the same way: instants of the zone's wall times).
 */
export const notAfterProblem = (value: ScheduleValue): 'incomplete' | 'needs-start' | 'not-after-start' | undefined => {
  if (!value.notAfterDate && !value.notAfterTime) return undefined;
  const notAfter = wallTimeText(value.notAfterDate, value.notAfterTime);
  if (!notAfter) return 'incomplete';
  const scheduledAt = wallTimeText(value.date, value.time);
  if (!scheduledAt) return 'needs-start';
  const [start, latest] = [scheduledAt, notAfter].map((text) => resolveInstant(text, value.timeZone));
  return start && latest && latest <= start ? 'not-after-start' : undefined;
};

const pad = (value: number) => String(value).padStart(2, '0');

/** An instant as the pickers show it in `timeZone`. */
const pickerParts = (at: string, timeZone: string) => {
  const wall = wallTimeAt(new Date(at), timeZone);
  return { date: `${wall.year}-${pad(wall.month)}-${pad(wall.day)}`, time: `${pad(wall.hour)}:${pad(wall.minute)}` };
};

/** A run's schedule as the admin chose it (in its zone, or the browser's when given with an offset). */
const scheduleOf = (run: Run): ScheduleValue => {
  const timeZone = run.timeZone ?? browserTimeZone();
  if (!run.scheduledAt) return { timeZone };
  const latest = run.notAfter ? pickerParts(run.notAfter, timeZone) : undefined;
  return {
    ...pickerParts(run.scheduledAt, timeZone),
    timeZone,
    notAfterDate: latest?.date,
    notAfterTime: latest?.time,
  };
};

/** `UTC+01:00` on the given day, as content-releases shows a zone's offset (it changes with daylight saving). */
const offsetLabel = (timeZone: string, day: Date) => {
  const name = new Intl.DateTimeFormat('en', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(day)
    .find((part) => part.type === 'timeZoneName')?.value;
  return name === 'GMT' || !name ? 'UTC+00:00' : name.replace('GMT', 'UTC');
};

/** A date and a time picker side by side (4 and 3 of the grid's columns): one wall time. */
const WallTimeFields = ({
  name,
  labels: [dateLabel, timeLabel],
  date,
  time,
  minDate,
  error,
  onChange,
}: {
  name: string;
  labels: [string, string];
  date?: string;
  time?: string;
  minDate?: string;
  error?: string;
  onChange: (changes: { date?: string; time?: string }) => void;
}) => {
  const t = useT();
  return (
    <>
      <FormField col={4} name={`${name}Date`} label={dateLabel} error={error}>
        <DayPicker value={date} minDate={minDate} onChange={(day) => onChange({ date: day, time })} />
      </FormField>
      <FormField col={3} name={`${name}Time`} label={timeLabel}>
        <TimePicker
          value={time}
          onChange={(picked) => onChange({ date, time: picked || undefined })}
          onClear={() => onChange({ date, time: undefined })}
          clearLabel={t('form.clear', 'Clear')}
        />
      </FormField>
    </>
  );
};

/**
 * Date, time and time-zone pickers, and the optional latest start in the same zone. Errors are the
 * server's (on `scheduledAt`, `timeZone` and `notAfter`; a change clears them) and the latest start's
 * own check.
 */
export const ScheduleFields = ({
  value,
  onChange,
  form: { errors, clearErrors },
}: {
  value: ScheduleValue;
  onChange: (value: ScheduleValue) => void;
  form: Pick<FormErrors, 'errors' | 'clearErrors'>;
}) => {
  const t = useT();
  const day = fromIsoDate(value.date) ?? new Date();
  const zones = React.useMemo(() => {
    const names = Intl.supportedValuesOf('timeZone');
    // Chromium's list leaves out UTC, a server's usual zone (and so the browser's on one): keep the chosen zone.
    return (names.includes(value.timeZone) ? names : [value.timeZone, ...names]).map((zone) => ({
      zone,
      label: `${offsetLabel(zone, day)} ${zone}`,
    }));
  }, [value.date, value.timeZone]);
  const change = (changes: Partial<ScheduleValue>) => {
    onChange({ ...value, ...changes });
    clearErrors(['scheduledAt', 'timeZone', 'notAfter']);
  };
  const problem = notAfterProblem(value);
  const problems = {
    incomplete: t('schedule.notAfter.incomplete', 'Choose a date and a time, or clear both'),
    'needs-start': t('schedule.notAfter.needsStart', 'Choose the date and time of the start first'),
    'not-after-start': t('schedule.notAfter.beforeStart', 'Must be after the scheduled start'),
  };
  return (
    <>
      <WallTimeFields
        name="schedule"
        labels={[t('schedule.date', 'Date'), t('schedule.time', 'Time')]}
        date={value.date}
        time={value.time}
        minDate={toIsoDate(new Date())}
        error={errors.scheduledAt}
        onChange={change}
      />
      <FormField col={5} name="scheduleTimeZone" label={t('schedule.timeZone', 'Time zone')} error={errors.timeZone}>
        <Combobox
          autocomplete={{ type: 'list', filter: 'contains' }}
          value={value.timeZone}
          // The options are mounted only once the list opens: without it the closed field showed no zone.
          defaultTextValue={zones.find(({ zone }) => zone === value.timeZone)?.label}
          onChange={(timeZone) => timeZone && change({ timeZone })}
        >
          {zones.map(({ zone, label }) => (
            <ComboboxOption key={zone} value={zone}>
              {label}
            </ComboboxOption>
          ))}
        </Combobox>
      </FormField>
      <WallTimeFields
        name="notAfter"
        labels={[
          t('schedule.notAfterDate', 'Don’t start after (date)'),
          t('schedule.notAfterTime', 'Don’t start after (time)'),
        ]}
        date={value.notAfterDate}
        time={value.notAfterTime}
        minDate={value.date ?? toIsoDate(new Date())}
        error={(problem && problems[problem]) || errors.notAfter}
        onChange={({ date, time }) => change({ notAfterDate: date, notAfterTime: time })}
      />
      <Grid.Item col={5} alignItems="center">
        <Typography variant="pi" textColor="neutral600">
          {t(
            'schedule.notAfter.hint',
            'Optional, in the same time zone. A run that cannot start by then (no server was running) does not start late: it stops with the reason “missed-schedule”, to be started or scheduled again.'
          )}
        </Typography>
      </Grid.Item>
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
export const ScheduleRunButton = ({ run }: { run: Run }) => {
  const t = useT();
  const [scheduleRun, { isLoading: saving }] = useScheduleRunMutation();
  const { toggleNotification } = useNotification();
  const [open, setOpen] = React.useState(false);
  const [value, setValue] = React.useState<ScheduleValue>(() => scheduleOf(run));
  const form = useFormErrors();
  const body = notAfterProblem(value) ? undefined : toScheduleRequest(value);

  const save = async () => {
    if (!body) return;
    try {
      await scheduleRun({ runId: run.documentId, schedule: body }).unwrap();
      toggleNotification({ type: 'success', message: t('schedule.saved', 'Run scheduled') });
      setOpen(false);
    } catch (error) {
      form.showError(error);
    }
  };

  return (
    <Modal.Root
      open={open}
      onOpenChange={(next: boolean) => {
        if (next) setValue(scheduleOf(run));
        form.setErrors({});
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
        <ModalForm
          onSubmit={save}
          submit={
            <Button type="submit" loading={saving} disabled={!body}>
              {t('schedule.save', 'Schedule')}
            </Button>
          }
        >
          <ScheduleFields value={value} onChange={setValue} form={form} />
        </ModalForm>
      </Modal.Content>
    </Modal.Root>
  );
};
