/**
 * The render thread: Handlebars renders messages here, in a worker thread of the Strapi process, so
 * that a template that takes long (nested `{{#each}}` multiply) never holds up Strapi's HTTP requests
 * and the queue on the main event loop. The renderer service (renderer.ts) starts it, posts it a
 * batch of messages at a time, and terminates it when one message takes longer than the time limit,
 * which it sees in the shared progress record: the message being rendered and since when.
 */
import { parentPort, workerData } from 'worker_threads';
import type { Templates } from '../domain/definition';
import { compileTemplates, type RenderedMessage, type TemplateContext } from './templates';

export interface RenderThreadOptions {
  maxBytes: number;
  /** The progress record (see `progressOf`), written by this thread, read by the renderer's watchdog. */
  progress: SharedArrayBuffer;
}

export interface RenderJob {
  id: number;
  /** The run and language whose templates render it (`<runId>:<language>`): compiled once each. */
  templatesKey: string;
  context: TemplateContext;
}

/** Messages to render in order, with their templates by key (compiled once per run, language and thread). */
export interface RenderRequest {
  templates: Record<string, Templates>;
  jobs: RenderJob[];
}

export type RenderReply =
  | { id: number; rendered: RenderedMessage }
  | { id: number; error: string }
  | { id: number; tooLarge: true };

/** `rendering` holds the id of the message being rendered, or NOT_RENDERING; `startedAt` when it began. */
export const NOT_RENDERING = -1;
export const createProgress = () => new SharedArrayBuffer(16);
export const progressOf = (buffer: SharedArrayBuffer) => ({
  rendering: new Int32Array(buffer, 0, 1),
  startedAt: new Float64Array(buffer, 8, 1),
});

const COMPILED_KEPT = 100;

const sizeOf = ({ subject, html, text }: RenderedMessage) =>
  Buffer.byteLength(subject) + Buffer.byteLength(html) + (text ? Buffer.byteLength(text) : 0);

function createRenderer(maxBytes: number) {
  const compiledByKey = new Map<string, ReturnType<typeof compileTemplates>>();
  const compiled = (key: string, templates: Templates) => {
    let render = compiledByKey.get(key);
    if (!render) {
      if (compiledByKey.size >= COMPILED_KEPT) compiledByKey.clear();
      render = compileTemplates(templates);
      compiledByKey.set(key, render);
    }
    return render;
  };
  return (job: RenderJob, templates: Templates): RenderReply => {
    try {
      const rendered = compiled(job.templatesKey, templates)(job.context);
      return sizeOf(rendered) > maxBytes ? { id: job.id, tooLarge: true } : { id: job.id, rendered };
    } catch (error) {
      // V8 refuses a string past its maximum length: the message was far larger than the limit.
      if (error instanceof RangeError && /Invalid string length/.test(error.message)) return { id: job.id, tooLarge: true };
      return { id: job.id, error: error instanceof Error ? error.message : String(error) };
    }
  };
}

if (parentPort && workerData?.renderThread) {
  const port = parentPort;
  const { maxBytes, progress } = workerData.renderThread as RenderThreadOptions;
  const { rendering, startedAt } = progressOf(progress);
  const render = createRenderer(maxBytes);
  port.on('message', ({ templates, jobs }: RenderRequest) => {
    for (const job of jobs) {
      startedAt[0] = Date.now();
      Atomics.store(rendering, 0, job.id);
      const reply = render(job, templates[job.templatesKey]);
      Atomics.store(rendering, 0, NOT_RENDERING);
      port.postMessage(reply);
    }
  });
}
