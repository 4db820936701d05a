import * as React from 'react';
import { Box, Button, Flex, Grid, Loader, Modal, Toggle, Typography } from '@strapi/design-system';
import { Plus } from '@strapi/icons';
import { useDebounce, useNotification } from '@strapi/strapi/admin';
import { useNavigate } from 'react-router-dom';
import { PLUGIN_ID } from '../../../shared/constants';
import type { ClusterOption, DefinitionOption } from '../../../shared/contracts/options';
import type { PreviewRun, RunCriteria } from '../../../shared/contracts/runs';
import {
  useCreateRunMutation,
  useGetClusterOptionsQuery,
  useGetDefinitionOptionsQuery,
  usePreviewRunQuery,
} from '../services/api';
import { useT } from '../utils/translations';
import { BccInput } from './BccInput';
import { DayPicker } from './DayPicker';
import { FormField } from './FormField';
import { ModalForm, useFormErrors } from './ModalForm';
import { OptionsCombobox } from './OptionsCombobox';
import {
  browserTimeZone,
  notAfterProblem,
  ScheduleFields,
  toScheduleRequest,
  type ScheduleValue,
} from './ScheduleFields';

type Criteria = Partial<RunCriteria> & { includeChildren: boolean; bcc: string[] };

const EMPTY: Criteria = { includeChildren: false, bcc: [] };

const isComplete = (criteria: Criteria): criteria is RunCriteria & Criteria =>
  Boolean(criteria.definition && criteria.cluster && criteria.periodStart && criteria.periodEnd);

/**
 * The form of a new run. Once it names a definition, a cluster and a period it shows the server's
 * preview counts; the server's 400s appear on the fields they name. Creating opens the new run.
 */
const NewRunForm = () => {
  const t = useT();
  const { toggleNotification } = useNotification();
  const [createRun, { isLoading: creating }] = useCreateRunMutation();
  const navigate = useNavigate();
  const [criteria, setCriteria] = React.useState<Criteria>(EMPTY);
  const form = useFormErrors();
  const { errors, showError, clearErrors } = form;
  const [bccProblem, setBccProblem] = React.useState<string>();
  // Without a date and a time the run is created to be started by hand.
  const [schedule, setSchedule] = React.useState<ScheduleValue>(() => ({ timeZone: browserTimeZone() }));
  const scheduled = toScheduleRequest(schedule);
  // Bcc changes no count (and is checked as typed): the preview follows the selection only.
  const { bcc: _bcc, ...selection } = criteria;
  const debounced = useDebounce(JSON.stringify(selection), 300);
  const previewed: Criteria = { ...JSON.parse(debounced), bcc: [] };
  // `currentData`: the counts of this selection only, none while another one's are on their way.
  const {
    currentData,
    isFetching: previewing,
    error: previewError,
  } = usePreviewRunQuery(previewed as RunCriteria, {
    skip: !isComplete(previewed),
  });
  const preview = currentData?.data;

  const change = (changes: Partial<Criteria>) => {
    setCriteria((previous) => ({ ...previous, ...changes }));
    clearErrors(Object.keys(changes));
  };

  // The server's 400 on a selection (a period that ends before it starts) goes on the fields it names.
  React.useEffect(() => {
    if (previewError) showError(previewError);
  }, [previewError]); // a new error only, not a new showError

  const create = async () => {
    if (!isComplete(criteria) || notAfterProblem(schedule)) return;
    try {
      const { data } = await createRun({ ...criteria, ...scheduled }).unwrap();
      toggleNotification({ type: 'success', message: t('newRun.created', 'Run created') });
      navigate(`/plugins/${PLUGIN_ID}/runs/${data.documentId}`);
    } catch (error) {
      showError(error);
    }
  };

  return (
    <ModalForm
      onSubmit={create}
      submit={
        <Button
          type="submit"
          loading={creating}
          disabled={!preview || preview.total === 0 || Boolean(bccProblem) || Boolean(notAfterProblem(schedule))}
          startIcon={<Plus />}
        >
          {scheduled ? t('newRun.createScheduled', 'Create and schedule') : t('newRun.create', 'Create run')}
        </Button>
      }
    >
      <FormField
        col={12}
        name="definition"
        label={t('form.definition', 'Message definition')}
        error={errors.definition}
        required
      >
        <OptionsCombobox<DefinitionOption>
          useOptions={useGetDefinitionOptionsQuery}
          value={criteria.definition}
          onChange={(definition) => change({ definition })}
          labelOf={(definition) => definition.name}
          error={errors.definition}
        />
      </FormField>
      <FormField col={8} name="cluster" label={t('form.cluster', 'Customer cluster')} error={errors.cluster} required>
        <OptionsCombobox<ClusterOption>
          useOptions={useGetClusterOptionsQuery}
          value={criteria.cluster}
          onChange={(cluster) => change({ cluster })}
          labelOf={(cluster) => cluster.path.join(' / ')}
          error={errors.cluster}
        />
      </FormField>
      <FormField
        col={4}
        name="includeChildren"
        label={t('form.includeChildren', 'Include child clusters')}
        error={errors.includeChildren}
      >
        <Toggle
          checked={criteria.includeChildren}
          onLabel={t('form.yes', 'Yes')}
          offLabel={t('form.no', 'No')}
          onChange={(event: React.ChangeEvent<HTMLInputElement>) => change({ includeChildren: event.target.checked })}
        />
      </FormField>
      {(['periodStart', 'periodEnd'] as const).map((field) => (
        <FormField
          key={field}
          col={6}
          name={field}
          label={
            field === 'periodStart'
              ? t('form.periodStart', 'Invoice period from')
              : t('form.periodEnd', 'Invoice period to')
          }
          error={errors[field]}
          required
        >
          <DayPicker value={criteria[field]} onChange={(day) => change({ [field]: day })} />
        </FormField>
      ))}
      <FormField
        col={12}
        name="bcc"
        label={t('form.bcc', 'Bcc')}
        hint={t('form.bcc.hint', 'Every message of the run is also sent blind to these addresses')}
        error={bccProblem ?? errors.bcc}
      >
        <BccInput value={criteria.bcc} onChange={(bcc) => change({ bcc })} onProblem={setBccProblem} />
      </FormField>
      <Grid.Item col={12}>
        <Typography variant="sigma" textColor="neutral600">
          {t('newRun.schedule', 'Start automatically (leave empty to start it yourself)')}
        </Typography>
      </Grid.Item>
      <ScheduleFields value={schedule} onChange={setSchedule} form={form} />
      <Grid.Item col={12} direction="column" alignItems="stretch">
        <PreviewCounts
          preview={preview}
          loading={previewing}
          complete={isComplete(criteria)}
          includeAlreadySent={Boolean(criteria.includeAlreadySent)}
          onIncludeAlreadySent={(includeAlreadySent) => change({ includeAlreadySent })}
        />
      </Grid.Item>
    </ModalForm>
  );
};

const PreviewCounts = ({
  preview,
  loading,
  complete,
  includeAlreadySent,
  onIncludeAlreadySent,
}: {
  preview?: PreviewRun.Response['data'];
  loading: boolean;
  complete: boolean;
  includeAlreadySent: boolean;
  onIncludeAlreadySent: (include: boolean) => void;
}) => {
  const t = useT();
  let content: React.ReactNode;
  if (loading) content = <Loader small>{t('newRun.previewing', 'Counting invoices…')}</Loader>;
  else if (preview?.total === 0)
    content = (
      <Typography fontWeight="bold">
        {t('newRun.preview.none', 'No invoices match: choose another cluster or period')}
      </Typography>
    );
  else if (!complete || !preview)
    content = (
      <Typography textColor="neutral600">
        {t('newRun.previewHint', 'Choose a definition, a cluster and a period to see how many invoices the run gets.')}
      </Typography>
    );
  else
    content = (
      <Flex direction="column" alignItems="start" gap={1} data-testid="preview-counts">
        <Typography fontWeight="bold">
          {t('newRun.preview.total', '{total, plural, one {# invoice} other {# invoices}}', {
            total: preview.total,
          })}
        </Typography>
        <Typography>
          {t('newRun.preview.eligible', '{eligible} will be sent', { eligible: preview.eligible })}
        </Typography>
        {Object.keys(preview.languages).length > 0 && (
          <Typography textColor="neutral600" data-testid="preview-languages">
            {t('newRun.preview.languages', 'Messages per language: {languages}', {
              languages: Object.entries(preview.languages)
                .map(
                  ([language, count]) =>
                    `${language === 'default' ? t('newRun.preview.defaultLanguage', 'default templates') : language} ${count}`
                )
                .join(', '),
            })}
          </Typography>
        )}
        {preview.skipped['already-sent'] > 0 && (
          <Typography fontWeight="bold" textColor="warning600">
            {t('newRun.preview.alreadySent', '{count} skipped: already sent by another run of this definition', {
              count: preview.skipped['already-sent'],
            })}
          </Typography>
        )}
        {/* Kept once switched on: then nothing counts as already sent, yet the switch must stay to undo it. */}
        {(preview.skipped['already-sent'] > 0 || includeAlreadySent) && (
          <Flex gap={3} alignItems="center">
            <Typography tag="label" htmlFor="include-already-sent" variant="pi" fontWeight="bold">
              {t('newRun.includeAlreadySent', 'Include invoices already sent')}
            </Typography>
            <Toggle
              id="include-already-sent"
              checked={includeAlreadySent}
              onLabel={t('newRun.includeAlreadySent.on', 'Send them again')}
              offLabel={t('newRun.includeAlreadySent.off', 'Skip them')}
              onChange={(event: React.ChangeEvent<HTMLInputElement>) => onIncludeAlreadySent(event.target.checked)}
            />
          </Flex>
        )}
        <Typography>
          {t(
            'newRun.preview.noRecipient',
            '{count} skipped: the customer has no address for the definition’s recipient key',
            {
              count: preview.skipped['no-recipient'],
            }
          )}
        </Typography>
        {preview.skipped.suppressed > 0 && (
          <Typography>
            {t('newRun.preview.suppressed', '{count} skipped: the address is on the suppression list', {
              count: preview.skipped.suppressed,
            })}
          </Typography>
        )}
        <Typography>
          {t(
            'newRun.preview.noTransformation',
            '{count} skipped: no invoice document (transformation result) to attach',
            {
              count: preview.skipped['no-transformation-result'],
            }
          )}
        </Typography>
      </Flex>
    );
  return (
    <Box background="neutral100" padding={4} hasRadius aria-live="polite">
      {content}
    </Box>
  );
};

/** The "New run" button and its dialog. */
export const NewRunModal = () => {
  const t = useT();
  const [open, setOpen] = React.useState(false);
  return (
    <Modal.Root open={open} onOpenChange={setOpen}>
      <Modal.Trigger>
        <Button startIcon={<Plus />}>{t('runs.new', 'New run')}</Button>
      </Modal.Trigger>
      <Modal.Content>
        <Modal.Header>
          <Modal.Title>{t('newRun.title', 'New message run')}</Modal.Title>
        </Modal.Header>
        {open && <NewRunForm />}
      </Modal.Content>
    </Modal.Root>
  );
};
