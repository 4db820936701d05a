import path from 'path';
import { Worker } from 'worker_threads';
import type { Core } from '@strapi/strapi';
import type { MessageRunsConfig } from '../config';
import {
  createProgress,
  NOT_RENDERING,
  progressOf,
  type RenderJob,
  type RenderReply,
  type RenderRequest,
  type RenderThreadOptions,
} from './render-thread';
import type { Templates } from '../domain/definition';
import type { RenderedMessage, TemplateContext } from './templates';

/** One message to render: a context, with the templates of its run in its language. */
export interface RenderInput {
  runId: number;
  /** The translation the templates come from (null or absent: the definition's own): compiled once per run and language. */
  language?: string | null;
  templates: Templates;
  context: TemplateContext;
}

export type RenderOutcome = { rendered: RenderedMessage } | { error: string };

const MB = 1024 * 1024;
/**
 * The render thread's heap: Handlebars builds a message by concatenation and posts a copy, so it
 * holds the largest allowed message several times over, and no less than this. A message that needs
 * more was on its way to far more than `renderMaxBytes`: the thread ends, and the message fails.
 */
const MIN_RENDER_HEAP_MB = 128;
const renderHeapMb = (maxBytes: number) => Math.max(MIN_RENDER_HEAP_MB, Math.ceil((8 * maxBytes) / MB));

const formatBytes = (bytes: number) =>
  bytes >= MB ? `${+(bytes / MB).toFixed(1)} MB` : bytes >= 1024 ? `${+(bytes / 1024).toFixed(1)} KB` : `${bytes} bytes`;
const formatMs = (ms: number) => (ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`);

interface Pending {
  job: RenderJob;
  templates: Templates;
  /** The render call it came with (a batch of the queue, or a preview). */
  call: number;
  resolve(outcome: RenderOutcome): void;
}

/**
 * Renders messages in the render thread (render-thread.ts), so that no template can hold up the main
 * event loop, within two limits: the time one message may take (`renderTimeoutMs`) and the size of
 * the rendered subject, HTML and text together (`renderMaxBytes`). A call's messages go to the thread
 * in one post and come back one answer each. A watchdog reads the thread's progress record: when one
 * message has been rendering for longer than the limit, it terminates the thread, fails that message,
 * and posts the unanswered rest to a new thread. The thread starts with the first message.
 *
 * A run's templates are frozen, so its messages after that one in the same call would most likely
 * take the limit each too: they fail with it unrendered, and a batch waits one limit per run, not one
 * per message (100 times 2 s would keep other runs' messages waiting, and outlast the claims' lease).
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = () => strapi.config.get('plugin::message-runs') as MessageRunsConfig;
  /** Posted and not answered yet, in the order the thread renders them. */
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let nextCall = 0;
  let thread: ReturnType<typeof startThread> | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  let closeWhenIdle = false;

  const timeLimitError = () => `rendering stopped: it took longer than ${formatMs(config().renderTimeoutMs)} (the limit)`;
  const sameRunTimeLimitError = () =>
    `not rendered: another message of this run took longer than ${formatMs(config().renderTimeoutMs)} (the limit) in the same batch`;
  const sizeLimitError = () => `the rendered message is larger than ${formatBytes(config().renderMaxBytes)} (the limit)`;
  const memoryLimitError = () => `rendering stopped: it needed more than ${renderHeapMb(config().renderMaxBytes)} MB of memory (the limit)`;

  function startThread() {
    const { renderMaxBytes } = config();
    const progress = createProgress();
    const worker = new Worker(path.join(__dirname, 'render-thread.js'), {
      workerData: { renderThread: { maxBytes: renderMaxBytes, progress } satisfies RenderThreadOptions },
      resourceLimits: { maxOldGenerationSizeMb: renderHeapMb(renderMaxBytes) },
    });
    const started = { worker, ...progressOf(progress) };
    let failure: Error | undefined;
    worker.on('message', (reply: RenderReply) => {
      if ('rendered' in reply) settle(reply.id, { rendered: reply.rendered });
      else settle(reply.id, { error: 'tooLarge' in reply ? sizeLimitError() : reply.error });
    });
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', () => {
      // A thread the watchdog or close() ended was already replaced.
      if (thread !== started) return;
      thread = undefined;
      if (!pending.size) return;
      const reason = failure?.message ?? 'no reason given';
      strapi.log.error(`[message-runs] the render thread ended while rendering: ${reason}`);
      const culprit = Atomics.load(started.rendering, 0);
      const error =
        (failure as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? memoryLimitError()
          : `the render thread ended: ${reason}`;
      // Only the message it was rendering failed; without one, every unanswered message fails, so that
      // a thread that cannot start is not started again and again.
      if (pending.has(culprit)) replaceThread(culprit, error);
      else for (const id of [...pending.keys()]) settle(id, { error });
    });
    // It must not hold the process open by itself; Strapi's destroy closes it.
    worker.unref();
    return started;
  }

  function post(entries: Pending[]) {
    thread ??= startThread();
    const request: RenderRequest = {
      templates: Object.fromEntries(entries.map(({ job, templates }) => [job.templatesKey, templates])),
      jobs: entries.map(({ job }) => job),
    };
    thread.worker.postMessage(request);
    watchdog ??= setTimeout(watch, config().renderTimeoutMs);
  }

  function settle(id: number, outcome: RenderOutcome) {
    pending.get(id)?.resolve(outcome);
    pending.delete(id);
    if (pending.size) return;
    clearTimeout(watchdog);
    watchdog = undefined;
    if (closeWhenIdle) close();
  }

  /** Ends the thread that is stuck on `culprit`, fails that message, and renders the rest in a new thread. */
  function replaceThread(culprit: number, error: string) {
    const stuck = thread;
    thread = undefined;
    void stuck?.worker.terminate();
    settle(culprit, { error });
    if (pending.size) post([...pending.values()]);
  }

  /**
   * The thread's own record says which message it renders and since when, so a main thread that was
   * busy itself for a while never takes a message that was answered in time for a slow one.
   */
  function watch() {
    watchdog = undefined;
    if (!pending.size || !thread) return;
    const limit = config().renderTimeoutMs;
    const rendering = Atomics.load(thread.rendering, 0);
    const elapsed = rendering === NOT_RENDERING ? 0 : Date.now() - thread.startedAt[0];
    const stuck = pending.get(rendering);
    if (stuck && elapsed >= limit) {
      // The thread renders in the order of `pending`: the ones before the stuck message were answered.
      const waiting = [...pending.values()].slice([...pending.keys()].indexOf(rendering) + 1);
      for (const { job, call } of waiting) {
        if (call === stuck.call && job.templatesKey === stuck.job.templatesKey) settle(job.id, { error: sameRunTimeLimitError() });
      }
      replaceThread(rendering, timeLimitError());
      return;
    }
    watchdog = setTimeout(watch, Math.max(limit - elapsed, 1));
  }

  function close() {
    closeWhenIdle = pending.size > 0;
    if (closeWhenIdle || !thread) return;
    void thread.worker.terminate();
    thread = undefined;
  }

  return {
    /** Renders the messages in the render thread; each comes back rendered or with why not. */
    render(inputs: RenderInput[]): Promise<RenderOutcome[]> {
      if (!inputs.length) return Promise.resolve([]);
      closeWhenIdle = false;
      const call = nextCall++;
      const entries: Pending[] = [];
      const outcomes = inputs.map(
        ({ runId, language, templates, context }) =>
          new Promise<RenderOutcome>((resolve) => {
            const id = nextId;
            // Ids live in the progress record's Int32; NOT_RENDERING (-1) is never one.
            nextId = (nextId + 1) & 0x7fffffff;
            entries.push({ job: { id, templatesKey: `${runId}:${language ?? ''}`, context }, templates, call, resolve });
          })
      );
      for (const entry of entries) pending.set(entry.job.id, entry);
      post(entries);
      return Promise.all(outcomes);
    },

    /** Ends the render thread once the messages it was given are answered; the next render starts a new one. */
    close,
  };
};
