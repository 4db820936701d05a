import * as React from 'react';
import { Box, EmptyStateLayout, Flex, Loader } from '@strapi/design-system';
import { WarningCircle } from '@strapi/icons';
import { EmptyDocuments } from '@strapi/icons/symbols';
import { Layouts, Page } from '@strapi/strapi/admin';
import { errorMessage } from '../utils/errors';
import { useT } from '../utils/translations';

interface PluginPageProps {
  title: string;
  /** The browser tab's title, when it says more than the heading. */
  documentTitle?: string;
  subtitle?: string;
  navigationAction?: React.ReactNode;
  primaryAction?: React.ReactNode;
  /** Filters above the content. */
  startActions?: React.ReactNode;
  children: React.ReactNode;
}

/** The frame of each of the plugin's pages, as Strapi's own pages have it. */
export const PluginPage = ({
  title,
  subtitle,
  navigationAction,
  primaryAction,
  startActions,
  children,
}: PluginPageProps) => (
  <Page.Main>
    <Page.Title>{title}</Page.Title>
    <Layouts.Header
      title={title}
      subtitle={subtitle}
      navigationAction={navigationAction}
      primaryAction={primaryAction}
    />
    {startActions && <Layouts.Action startActions={startActions} />}
    <Layouts.Content>{children}</Layouts.Content>
  </Page.Main>
);

interface LoadedProps<T> {
  query: { data?: T; error?: unknown; isLoading: boolean };
  children: (data: T) => React.ReactNode;
}

/**
 * A request's loading and error states inside a page or a dialog, then its answer. Not Strapi's
 * Page.Loading and Page.Error: each is a whole page's <main>, which nested in the page is a second one.
 * The error says the server's own words ("Message run … not found"), not only "Whoops!".
 */
export function Loaded<T>({ query, children }: LoadedProps<T>) {
  const t = useT();
  if (query.isLoading) {
    return (
      <Flex justifyContent="center" padding={8}>
        <Loader>{t('loading', 'Loading')}</Loader>
      </Flex>
    );
  }
  if (query.error || query.data === undefined) return <ErrorState error={query.error} />;
  return <>{children(query.data)}</>;
}

/** A request that failed, with the server's message, in the place of what it would have shown. */
export const ErrorState = ({ error }: { error: unknown }) => {
  const t = useT();
  return (
    <Box background="neutral0" hasRadius shadow="tableShadow" role="alert">
      <EmptyStateLayout
        icon={<WarningCircle width="6.4rem" height="6.4rem" fill="danger600" />}
        content={error ? errorMessage(error) : t('error.noAnswer', 'The server gave no answer. Try again.')}
      />
    </Box>
  );
};

/** An empty list, in the place and frame of the table it replaces. */
export const EmptyState = ({ content, action }: { content: string; action?: React.ReactNode }) => (
  <Box background="neutral0" hasRadius shadow="tableShadow">
    <EmptyStateLayout icon={<EmptyDocuments width="16rem" />} content={content} action={action} />
  </Box>
);
