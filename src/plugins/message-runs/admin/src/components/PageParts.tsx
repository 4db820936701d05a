import * as React from 'react';
import { Box } from '@strapi/design-system';
import { Layouts, Page } from '@strapi/strapi/admin';

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

/** Strapi's loading and error states for a request, then its answer. */
export function Loaded<T>({ query, children }: LoadedProps<T>) {
  if (query.isLoading) return <Page.Loading />;
  if (query.error || query.data === undefined) return <Page.Error />;
  return <>{children(query.data)}</>;
}

/** An empty list, in the place and frame of the table it replaces. */
export const EmptyState = ({ content, action }: { content: string; action?: React.ReactNode }) => (
  <Box background="neutral0" hasRadius shadow="tableShadow">
    <Page.NoData content={content} action={action} />
  </Box>
);
