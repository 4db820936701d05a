/**
 * The admin's data layer: the plugin's routes as endpoints of Strapi's own RTK Query API (`adminApi`),
 * as Content Releases has them. Queries provide tags and mutations invalidate them, so a page shows an
 * action's outcome without refresh callbacks; pages poll (`pollingInterval: POLL_MS`) while a run sends.
 *
 * Tags: `Run` (a run by documentId, and `LIST`), `Result` (a run's results list as `LIST`, a result by
 * documentId) and `History` (a run's or a result's entries, by documentId). Every plugin's endpoints
 * share adminApi, where a name taken first wins (i18n has `getSettings`): ours name what they are about.
 */
import { adminApi } from '@strapi/strapi/admin';
import { KEY_SOURCES, PLUGIN_ID } from '../../../shared/constants';
import type { GetResultEvents, GetRunEvents } from '../../../shared/contracts/events';
import type {
  GetClusterOptions,
  GetDefinitionOptions,
  GetKeyOptions,
  GetOptions,
} from '../../../shared/contracts/options';
import type {
  GetResults,
  PreviewResult,
  RemoveResults,
  ResendResults,
  TestSendResult,
} from '../../../shared/contracts/results';
import type {
  CreateRun,
  DeleteRun,
  GetRun,
  GetRuns,
  PreviewRun,
  ScheduleRun,
  TransitionRun,
} from '../../../shared/contracts/runs';
import type { GetSettings, SendTestEmail } from '../../../shared/contracts/settings';

/** How often pages refresh while a run is sending. */
const POLL_MS = 2000;

/** A query's options: refreshed every POLL_MS while `changing` (a run sends, or waits for its schedule). */
export const pollWhile = (changing: boolean) => ({ pollingInterval: changing ? POLL_MS : 0 });

/** Every path of the plugin's admin routes (DESIGN.md §3), the downloads' too. */
export const paths = {
  runs: `/${PLUGIN_ID}/runs`,
  runPreview: `/${PLUGIN_ID}/runs/preview`,
  run: (runId: string) => `/${PLUGIN_ID}/runs/${runId}`,
  runAction: (runId: string, action: 'start' | 'stop' | 'schedule') => `/${PLUGIN_ID}/runs/${runId}/${action}`,
  runEvents: (runId: string) => `/${PLUGIN_ID}/runs/${runId}/events`,
  results: (runId: string) => `/${PLUGIN_ID}/runs/${runId}/results`,
  resultsAction: (runId: string, action: 'resend' | 'remove' | 'export') =>
    `/${PLUGIN_ID}/runs/${runId}/results/${action}`,
  result: (resultId: string, part: 'preview' | 'events' | 'test-send' | 'message') =>
    `/${PLUGIN_ID}/results/${resultId}/${part}`,
  /** `position` counts from 1, as the preview lists them. */
  attachment: (resultId: string, position: number) => `/${PLUGIN_ID}/results/${resultId}/attachments/${position}`,
  options: (kind: 'definitions' | 'clusters' | (typeof KEY_SOURCES)[keyof typeof KEY_SOURCES]) =>
    `/${PLUGIN_ID}/options/${kind}`,
  settings: `/${PLUGIN_ID}/settings`,
  testEmail: `/${PLUGIN_ID}/settings/test-email`,
};

type RunArg<T = object> = T & { runId: string };

/** The tags a change to a run's results touches: the run (counts, status), both lists, every history. */
const RESULTS_CHANGED = (runId: string) =>
  [{ type: 'Run', id: runId }, { type: 'Run', id: 'LIST' }, 'Result', 'History'] as const;

const messageRunsApi = adminApi.enhanceEndpoints({ addTagTypes: ['Run', 'Result', 'History'] }).injectEndpoints({
  endpoints: (build) => ({
    getRuns: build.query<GetRuns.Response, GetRuns.Request['query']>({
      query: (params) => ({ url: paths.runs, config: { params } }),
      providesTags: (answer) => [
        { type: 'Run', id: 'LIST' },
        ...(answer?.data ?? []).map((run) => ({ type: 'Run' as const, id: run.documentId })),
      ],
      // Each visit asks anew: the queue changes runs without the admin.
      keepUnusedDataFor: 0,
    }),
    getRun: build.query<GetRun.Response, string>({
      query: (runId) => paths.run(runId),
      providesTags: (_answer, _error, runId) => [{ type: 'Run', id: runId }],
      keepUnusedDataFor: 0,
      // A run whose status changed by itself (it completed, paused, or its schedule started it) has
      // new outcomes and entries the last poll of its results and activity may have missed.
      async onQueryStarted(runId, { dispatch, getState, queryFulfilled }): Promise<void> {
        const before = messageRunsApi.endpoints.getRun.select(runId)(getState()).data?.data.status;
        try {
          const { data } = await queryFulfilled;
          if (before && before !== data.data.status)
            dispatch(messageRunsApi.util.invalidateTags(['Result', { type: 'History', id: runId }]));
        } catch {
          // The page shows the error.
        }
      },
    }),
    getRunEvents: build.query<GetRunEvents.Response, string>({
      query: (runId) => paths.runEvents(runId),
      providesTags: (_answer, _error, runId) => [{ type: 'History', id: runId }],
      keepUnusedDataFor: 0,
    }),
    previewRun: build.query<PreviewRun.Response, PreviewRun.Request['body']>({
      query: (criteria) => ({ url: paths.runPreview, method: 'POST', data: criteria }),
      keepUnusedDataFor: 0,
    }),
    createRun: build.mutation<CreateRun.Response, CreateRun.Request['body']>({
      query: (body) => ({ url: paths.runs, method: 'POST', data: body }),
      invalidatesTags: [{ type: 'Run', id: 'LIST' }],
    }),
    transitionRun: build.mutation<TransitionRun.Response, RunArg<{ action: 'start' | 'stop' }>>({
      query: ({ runId, action }) => ({ url: paths.runAction(runId, action), method: 'POST' }),
      invalidatesTags: (_answer, _error, { runId }) => RESULTS_CHANGED(runId),
    }),
    scheduleRun: build.mutation<ScheduleRun.Response, RunArg<{ schedule: ScheduleRun.Request['body'] }>>({
      query: ({ runId, schedule }) => ({ url: paths.runAction(runId, 'schedule'), method: 'POST', data: schedule }),
      invalidatesTags: (_answer, _error, { runId }) => [
        { type: 'Run', id: runId },
        { type: 'Run', id: 'LIST' },
        { type: 'History', id: runId },
      ],
    }),
    // Not the run itself: the page leaves it, and asking for it again would answer 404.
    deleteRun: build.mutation<DeleteRun.Response, string>({
      query: (runId) => ({ url: paths.run(runId), method: 'DELETE' }),
      invalidatesTags: [{ type: 'Run', id: 'LIST' }],
    }),
    getRunResults: build.query<GetResults.Response, RunArg<GetResults.Request['query']>>({
      query: ({ runId, ...params }) => ({ url: paths.results(runId), config: { params } }),
      providesTags: (answer) => [
        { type: 'Result', id: 'LIST' },
        ...(answer?.data ?? []).map((result) => ({ type: 'Result' as const, id: result.documentId })),
      ],
      keepUnusedDataFor: 0,
    }),
    resendResults: build.mutation<ResendResults.Response, RunArg<{ select: ResendResults.Request['body'] }>>({
      query: ({ runId, select }) => ({ url: paths.resultsAction(runId, 'resend'), method: 'POST', data: select }),
      invalidatesTags: (_answer, _error, { runId }) => RESULTS_CHANGED(runId),
    }),
    removeResults: build.mutation<RemoveResults.Response, RunArg<RemoveResults.Request['body']>>({
      query: ({ runId, ids }) => ({ url: paths.resultsAction(runId, 'remove'), method: 'POST', data: { ids } }),
      invalidatesTags: (_answer, _error, { runId }) => RESULTS_CHANGED(runId),
    }),
    previewResult: build.query<PreviewResult.Response, string>({
      query: (resultId) => paths.result(resultId, 'preview'),
      providesTags: (_answer, _error, resultId) => [{ type: 'Result', id: resultId }],
      keepUnusedDataFor: 0,
    }),
    getResultEvents: build.query<GetResultEvents.Response, string>({
      query: (resultId) => paths.result(resultId, 'events'),
      providesTags: (_answer, _error, resultId) => [{ type: 'History', id: resultId }],
      keepUnusedDataFor: 0,
    }),
    testSendResult: build.mutation<TestSendResult.Response, { resultId: string } & TestSendResult.Request['body']>({
      query: ({ resultId, to }) => ({ url: paths.result(resultId, 'test-send'), method: 'POST', data: { to } }),
      invalidatesTags: (_answer, _error, { resultId }) => [{ type: 'History', id: resultId }],
    }),
    getDefinitionOptions: build.query<GetDefinitionOptions.Response, GetOptions.Request['query']>({
      query: (params) => ({ url: paths.options('definitions'), config: { params } }),
    }),
    getClusterOptions: build.query<GetClusterOptions.Response, GetOptions.Request['query']>({
      query: (params) => ({ url: paths.options('clusters'), config: { params } }),
    }),
    getKeyOptions: build.query<
      GetKeyOptions.Response,
      GetOptions.Request['query'] & { source: keyof typeof KEY_SOURCES }
    >({
      query: ({ source, ...params }) => ({ url: paths.options(KEY_SOURCES[source]), config: { params } }),
    }),
    getMailSettings: build.query<GetSettings.Response, void>({
      query: () => paths.settings,
    }),
    sendTestEmail: build.mutation<SendTestEmail.Response, SendTestEmail.Request['body']>({
      query: (body) => ({ url: paths.testEmail, method: 'POST', data: body }),
    }),
  }),
});

/**
 * What the cache holds, without a request of its own: what a page decides to poll by, before (and
 * while) its own query asks the server.
 */
export const useCachedRuns = (query: GetRuns.Request['query']) =>
  messageRunsApi.endpoints.getRuns.useQueryState(query).data?.data;
export const useCachedRun = (runId: string) => messageRunsApi.endpoints.getRun.useQueryState(runId).data?.data;

export const {
  useGetRunsQuery,
  useGetRunQuery,
  useGetRunEventsQuery,
  usePreviewRunQuery,
  useCreateRunMutation,
  useTransitionRunMutation,
  useScheduleRunMutation,
  useDeleteRunMutation,
  useGetRunResultsQuery,
  useResendResultsMutation,
  useRemoveResultsMutation,
  usePreviewResultQuery,
  useGetResultEventsQuery,
  useTestSendResultMutation,
  useGetDefinitionOptionsQuery,
  useGetClusterOptionsQuery,
  useGetKeyOptionsQuery,
  useGetMailSettingsQuery,
  useSendTestEmailMutation,
} = messageRunsApi;
