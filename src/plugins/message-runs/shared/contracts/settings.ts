/**
 * The mail settings page (admin routes `GET /settings` and `POST /settings/test-email`), shared by the
 * server and the admin. No credentials ever leave the server.
 */

export type Transport =
  | { kind: 'smtp'; host: string; port: number; secure: boolean; user: string | null }
  | { kind: 'outbox'; outboxDir: string };

export interface MailSettings {
  transport: Transport;
  maxConnections: number;
  /** 0: no limit. */
  rateLimitPerMinute: number;
}

export namespace GetSettings {
  export interface Response {
    data: MailSettings;
  }
}

export namespace SendTestEmail {
  export interface Request {
    body: { to: string };
  }
  export interface Response {
    /** sent: the SMTP response line or where the .eml file was written; otherwise the error. */
    data: { status: 'sent'; messageId: string; response: string } | { status: 'failed'; error: string };
  }
}
