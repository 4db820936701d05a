import { EmptyStateLayout } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';
import { useIntl } from 'react-intl';
import { getTranslationKey } from '../utils/translations';

export const RunsPage = () => {
  const { formatMessage } = useIntl();
  const title = formatMessage({ id: getTranslationKey('runs.title'), defaultMessage: 'Message Runs' });

  return (
    <Page.Main>
      <Page.Title>{title}</Page.Title>
      <Layouts.Header
        title={title}
        subtitle={formatMessage({
          id: getTranslationKey('runs.subtitle'),
          defaultMessage: 'Mail a message definition to the invoices of a customer cluster',
        })}
      />
      <Layouts.Content>
        <EmptyStateLayout
          content={formatMessage({ id: getTranslationKey('runs.empty'), defaultMessage: 'No message runs yet' })}
        />
      </Layouts.Content>
    </Page.Main>
  );
};
