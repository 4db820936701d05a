import * as React from 'react';
import { Box, Button, Flex, Grid, Modal, Tabs, Typography } from '@strapi/design-system';
import { Download, PaperPlane } from '@strapi/icons';
import { useNotification } from '@strapi/strapi/admin';
import { MAX_TEST_SEND_ADDRESSES, type PreviewResult, type Result } from '../../../shared/contracts/results';
import { useDownload } from '../hooks/useDownload';
import { paths, useGetResultEventsQuery, usePreviewResultQuery, useTestSendResultMutation } from '../services/api';
import { errorMessage, errorStatus } from '../utils/errors';
import { useT } from '../utils/translations';
import { BccInput } from './BccInput';
import { EventsTable } from './EventsTable';
import { FormField } from './FormField';
import { Loaded } from './PageParts';

const formatSize = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const Row = ({ label, children }: { label: string; children: React.ReactNode }) => (
  <>
    <Grid.Item col={2}>
      <Typography variant="sigma" textColor="neutral600">
        {label}
      </Typography>
    </Grid.Item>
    <Grid.Item col={10}>
      <Typography textColor="neutral800">{children}</Typography>
    </Grid.Item>
  </>
);

const Preview = ({ resultId }: { resultId: string }) => {
  const preview = usePreviewResultQuery(resultId);
  // A 400 says why the result would not be sent (its template fails, or hits a rendering limit).
  if (errorStatus(preview.error) === 400) {
    return (
      <Box role="alert" padding={4} hasRadius background="danger100" borderColor="danger200">
        <Typography textColor="danger700">{errorMessage(preview.error)}</Typography>
      </Box>
    );
  }
  return <Loaded query={preview}>{({ data }) => <Message resultId={resultId} message={data} />}</Loaded>;
};

/** The message's attachments, each downloadable as the queue would attach it now (`GET /results/:id/attachments/:position`). */
const Attachments = ({ resultId, message }: { resultId: string; message: PreviewResult.Response['data'] }) => {
  const t = useT();
  const { download, busy, problem } = useDownload((status) =>
    t('preview.attachment.failed', 'The server could not return the attachment ({status}).', { status })
  );
  return (
    <Flex direction="column" alignItems="start" gap={1}>
      {message.attachments.map((attachment, index) => (
        <Button
          key={`${index}-${attachment.filename}`}
          variant="tertiary"
          size="S"
          startIcon={<Download />}
          disabled={busy}
          onClick={() => download(paths.attachment(resultId, index + 1), attachment.filename)}
        >
          {`${attachment.filename} (${attachment.contentType}, ${formatSize(attachment.size)})`}
        </Button>
      ))}
      {problem && (
        <Typography role="alert" variant="pi" textColor="danger600">
          {problem}
        </Typography>
      )}
    </Flex>
  );
};

/** Exactly what was (or will be) sent for one result; the HTML in a sandboxed frame, with no scripts. */
const Message = ({ resultId, message }: { resultId: string; message: PreviewResult.Response['data'] }) => {
  const t = useT();
  return (
    <Flex direction="column" alignItems="stretch" gap={4}>
      <Grid.Root gap={2}>
        <Row label={t('preview.from', 'From')}>{message.from}</Row>
        <Row label={t('preview.to', 'To')}>{message.to}</Row>
        {message.bcc.length > 0 && <Row label={t('preview.bcc', 'Bcc')}>{message.bcc.join(', ')}</Row>}
        <Row label={t('preview.subject', 'Subject')}>{message.subject}</Row>
        <Row label={t('preview.language', 'Language')}>
          {message.language ?? t('preview.language.default', 'Default templates')}
        </Row>
        <Row label={t('preview.attachments', 'Attachments')}>
          {message.attachments.length === 0 ? (
            t('preview.noAttachments', 'None')
          ) : (
            <Attachments resultId={resultId} message={message} />
          )}
        </Row>
      </Grid.Root>
      <Tabs.Root defaultValue="html">
        <Tabs.List aria-label={t('preview.body', 'Message body')}>
          <Tabs.Trigger value="html">{t('preview.html', 'HTML')}</Tabs.Trigger>
          <Tabs.Trigger value="text">{t('preview.text', 'Text')}</Tabs.Trigger>
        </Tabs.List>
        <Tabs.Content value="html">
          <Box marginTop={2} borderColor="neutral200" hasRadius overflow="hidden" background="neutral0">
            <iframe
              sandbox=""
              srcDoc={message.html}
              title={t('preview.htmlTitle', 'HTML body of the message')}
              style={{ display: 'block', width: '100%', height: '24rem', border: 0 }}
            />
          </Box>
        </Tabs.Content>
        <Tabs.Content value="text">
          <Box marginTop={2} background="neutral100" padding={4} hasRadius>
            {message.text ? (
              <Typography tag="pre" style={{ whiteSpace: 'pre-wrap' }}>
                {message.text}
              </Typography>
            ) : (
              <Typography textColor="neutral600">
                {t(
                  'preview.noText',
                  'No plain-text part: the definition has no text template, so the message is HTML only.'
                )}
              </Typography>
            )}
          </Box>
        </Tabs.Content>
      </Tabs.Root>
    </Flex>
  );
};

/** The result's history, oldest first: it reads as the message's story, from its creation on. */
const History = ({ resultId }: { resultId: string }) => {
  const t = useT();
  const events = useGetResultEventsQuery(resultId);
  return (
    <Loaded query={events}>
      {({ data, meta }) => (
        <EventsTable events={data} truncated={meta.truncated} label={t('preview.history', 'History')} />
      )}
    </Loaded>
  );
};

/**
 * The message as it was sent, byte for byte (`GET /results/:id/message`), with the SHA-256 it was kept
 * under, so an admin can hand it over as proof and anyone can check it is the one sent. Fetched with
 * the admin's JWT, which a plain link would not carry.
 */
const DownloadEml = ({ result }: { result: Result }) => {
  const t = useT();
  const {
    download: fetchFile,
    busy,
    problem,
  } = useDownload((status) =>
    status === 404
      ? t('preview.eml.notKept', 'The sent message is not kept: it was not archived, or its archive has expired.')
      : t('preview.eml.failed', 'The server could not return the message ({status}).', { status })
  );
  const download = () => fetchFile(paths.result(result.documentId, 'message'), `${result.documentId}.eml`);
  return (
    <Flex direction="column" alignItems="start" gap={1}>
      <Flex gap={3}>
        <Button variant="secondary" startIcon={<Download />} loading={busy} onClick={download}>
          {t('preview.eml.download', 'Download .eml')}
        </Button>
        {result.sha256 && (
          <Typography variant="pi" textColor="neutral600" title={result.sha256} data-testid="result-sha256">
            {t('preview.eml.sha256', 'SHA-256 {hash}…', { hash: result.sha256.slice(0, 12) })}
          </Typography>
        )}
      </Flex>
      {problem && (
        <Typography role="alert" variant="pi" textColor="danger600">
          {problem}
        </Typography>
      )}
    </Flex>
  );
};

/**
 * Sends the result's message, as the queue would send it now, only to the addresses typed here
 * (`POST /results/:id/test-send`): a check before the run starts. The result does not change; its
 * history gets a `test-sent` entry (the API slice's tags refresh the History tab).
 */
const TestSend = ({ result }: { result: Result }) => {
  const t = useT();
  const { toggleNotification } = useNotification();
  const [testSend, { isLoading: busy }] = useTestSendResultMutation();
  const [to, setTo] = React.useState<string[]>([]);
  const [problem, setProblem] = React.useState<string>();
  const send = async () => {
    if (!to.length) return setProblem(t('testSend.empty', 'Add at least one address'));
    try {
      const { data } = await testSend({ resultId: result.documentId, to }).unwrap();
      toggleNotification({
        type: 'success',
        message: t('testSend.sent', 'Test message sent to {to}', { to: data.to.join(', ') }),
      });
      setTo([]);
    } catch (error) {
      toggleNotification({ type: 'danger', message: errorMessage(error) });
    }
  };
  return (
    <Flex alignItems="start" gap={2}>
      <Box flex={1}>
        <FormField
          name="test-send-to"
          label={t('testSend.to', 'Test send to')}
          hint={t(
            'testSend.hint',
            'Only these addresses get the message, marked as a test; the customer and the Bcc do not, and the result does not change'
          )}
          error={problem}
        >
          <BccInput
            value={to}
            onChange={(addresses) => {
              if (addresses.length > MAX_TEST_SEND_ADDRESSES) {
                return setProblem(t('testSend.tooMany', 'At most {max} addresses', { max: MAX_TEST_SEND_ADDRESSES }));
              }
              setTo(addresses);
              setProblem(undefined);
            }}
            onProblem={setProblem}
            placeholder={t('testSend.placeholder', 'you@example.com, then Enter')}
          />
        </FormField>
      </Box>
      {/* Level with the input, below the field's label. */}
      <Box paddingTop={5}>
        <Button size="L" variant="secondary" startIcon={<PaperPlane />} loading={busy} onClick={send}>
          {t('testSend.send', 'Test send')}
        </Button>
      </Box>
    </Flex>
  );
};

/**
 * What a result's message says (Message) and what happened to it (History), with its .eml once sent,
 * and a test-send for admins who may resend (`canTestSend`).
 */
export const ResultPreviewModal = ({
  result,
  onClose,
  canTestSend = false,
}: {
  result?: Result;
  onClose: () => void;
  canTestSend?: boolean;
}) => {
  const t = useT();
  return (
    <Modal.Root open={Boolean(result)} onOpenChange={(open) => !open && onClose()}>
      <Modal.Content>
        <Modal.Header>
          <Modal.Title>{t('preview.title', 'Message preview')}</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          {result && (
            <Tabs.Root key={result.documentId} defaultValue="message">
              <Tabs.List aria-label={t('preview.tabs', 'Message and history')}>
                <Tabs.Trigger value="message">{t('preview.message', 'Message')}</Tabs.Trigger>
                <Tabs.Trigger value="history">{t('preview.history', 'History')}</Tabs.Trigger>
              </Tabs.List>
              <Tabs.Content value="message">
                <Box paddingTop={4}>
                  <Preview resultId={result.documentId} />
                </Box>
              </Tabs.Content>
              <Tabs.Content value="history">
                <Box paddingTop={4}>
                  <History resultId={result.documentId} />
                </Box>
              </Tabs.Content>
            </Tabs.Root>
          )}
        </Modal.Body>
        {result && (result.sentAt || canTestSend) && (
          <Modal.Footer>
            <Flex direction="column" alignItems="stretch" gap={4} width="100%">
              {result.sentAt && <DownloadEml key={result.documentId} result={result} />}
              {canTestSend && <TestSend key={result.documentId} result={result} />}
            </Flex>
          </Modal.Footer>
        )}
      </Modal.Content>
    </Modal.Root>
  );
};
