import { Box, Flex, Grid, Modal, Tabs, Typography } from '@strapi/design-system';
import { isFetchError } from '@strapi/strapi/admin';
import { PLUGIN_ID } from '../../../shared/constants';
import type { PreviewResult } from '../../../shared/contracts/results';
import { errorMessage, useApi } from '../hooks/useApi';
import { useT } from '../utils/translations';
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
  const preview = useApi<PreviewResult.Response>(`/${PLUGIN_ID}/results/${resultId}/preview`);
  // A 400 says why the result would not be sent (its template fails, or hits a rendering limit).
  if (isFetchError(preview.error) && preview.error.response?.data?.error?.status === 400) {
    return (
      <Box role="alert" padding={4} hasRadius background="danger100" borderColor="danger200">
        <Typography textColor="danger700">{errorMessage(preview.error)}</Typography>
      </Box>
    );
  }
  return <Loaded query={preview}>{({ data }) => <Message message={data} />}</Loaded>;
};

/** Exactly what was (or will be) sent for one result; the HTML in a sandboxed frame, with no scripts. */
const Message = ({ message }: { message: PreviewResult.Response['data'] }) => {
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
          {message.attachments.length === 0
            ? t('preview.noAttachments', 'None')
            : message.attachments
                .map(
                  (attachment) => `${attachment.filename} (${attachment.contentType}, ${formatSize(attachment.size)})`
                )
                .join(', ')}
        </Row>
      </Grid.Root>
      <Tabs.Root defaultValue="html">
        <Tabs.List aria-label={t('preview.body', 'Message body')}>
          <Tabs.Trigger value="html">{t('preview.html', 'HTML')}</Tabs.Trigger>
          <Tabs.Trigger value="text" disabled={!message.text}>
            {t('preview.text', 'Text')}
          </Tabs.Trigger>
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
            <Typography tag="pre" style={{ whiteSpace: 'pre-wrap' }}>
              {message.text}
            </Typography>
          </Box>
        </Tabs.Content>
      </Tabs.Root>
    </Flex>
  );
};

export const ResultPreviewModal = ({ resultId, onClose }: { resultId?: string; onClose: () => void }) => {
  const t = useT();
  return (
    <Modal.Root open={Boolean(resultId)} onOpenChange={(open) => !open && onClose()}>
      <Modal.Content>
        <Modal.Header>
          <Modal.Title>{t('preview.title', 'Message preview')}</Modal.Title>
        </Modal.Header>
        <Modal.Body>{resultId && <Preview key={resultId} resultId={resultId} />}</Modal.Body>
      </Modal.Content>
    </Modal.Root>
  );
};
