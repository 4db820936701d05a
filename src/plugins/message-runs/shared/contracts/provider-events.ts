/**
 * `POST /api/message-runs/events/:provider` (DESIGN.md §4, "Provider webhooks"): a mail provider's
 * webhook call. The body is the provider's own format; the answer counts its events.
 */
export namespace ReceiveProviderEvents {
  export interface Response {
    data: {
      /** Events applied now (history written, statuses and suppressions changed). */
      applied: number;
      /** Events applied before (the same event delivered again), or twice in this body. */
      duplicates: number;
      /** Events of a type this plugin does not act on, and events about no message it sent. */
      ignored: number;
    };
  }
}
