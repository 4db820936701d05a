import { createHash } from 'crypto';
import type { Core } from '@strapi/strapi';
import type { ReportSource } from '../../../shared/constants';
import type { MessageRunsConfig } from '../config';
import type { ReportedResult } from '../data/delivery-reports';
import type { NewEvent } from '../data/events';
import { createRepositories } from '../data/repositories';
import { getService } from '../utils';
import { resultIdOfToken } from './return-path';

/**
 * What a bounce mailbox message or a mail provider's event says about one sent message (DESIGN.md §4,
 * "Bounces, complaints and provider events"):
 * - `bounced`: refused for good (a hard bounce, DSN 5.x.x, a provider's permanent failure);
 * - `delayed`: a soft bounce (4.x.x) or a provider's temporary failure, recorded only;
 * - `complained`: the recipient reported it as spam;
 * - `delivered`: the provider handed it to the recipient's server.
 */
export interface DeliveryReport {
  kind: 'bounced' | 'delayed' | 'complained' | 'delivered';
  source: ReportSource;
  /** Unique per event at its source (a provider's event id, a bounce's own Message-ID): a report that arrives again changes nothing. */
  key: string;
  /** The per-result token (services/return-path.ts), from the return path or a header the provider echoes. */
  token?: string;
  /** The Message-ID of the message reported on, with or without angle brackets. */
  messageId?: string;
  /** The address the report is about (a Bcc copy's bounce names the Bcc address). */
  recipient?: string;
  /** A DSN status code (5.1.1), a provider's code, or an SMTP reply code. */
  status?: string;
  diagnostic?: string;
  at: Date;
}

/** applied: written now; duplicate: written before; unmatched: no result has that token or Message-ID. */
export type ReportOutcome = 'applied' | 'duplicate' | 'unmatched';

/** A Message-ID as the results keep it (nodemailer's, in angle brackets), however the report writes it. */
const storedMessageId = (messageId: string) => `<${messageId.trim().replace(/^<|>$/g, '')}>`;
const sameAddress = (a: string | null | undefined, b: string | null | undefined) =>
  !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();
/** A fixed-length key: sources' ids may be long, the column is a string. */
const dedupeKeyOf = (report: DeliveryReport, resultId: number) =>
  `${createHash('sha256').update(`${report.source}\0${report.key}`).digest('hex')}:${resultId}`;
const errorOf = (report: DeliveryReport) => [report.status, report.diagnostic].filter(Boolean).join(' ') || null;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = () => strapi.config.get('plugin::message-runs') as MessageRunsConfig;
  const repositories = createRepositories(strapi);

  /** The result a report's token names, when this plugin signed it. */
  const tokenIdOf = (report: DeliveryReport, secret: string | undefined) =>
    report.token && secret ? resultIdOfToken(report.token, secret) : undefined;

  /** The results a report is about: by its token, else by Message-ID; with the others of the same message. */
  function matcher(found: ReportedResult[], secret: string | undefined) {
    const byId = new Map(found.map((result) => [result.id, result]));
    const byMessageId = new Map<string, ReportedResult[]>();
    for (const result of found) {
      if (result.messageId) byMessageId.set(result.messageId, [...(byMessageId.get(result.messageId) ?? []), result]);
    }
    return {
      resultsOf(report: DeliveryReport): ReportedResult[] {
        const tokenResult = byId.get(tokenIdOf(report, secret) ?? -1);
        const messageId = tokenResult?.messageId ?? (report.messageId ? storedMessageId(report.messageId) : undefined);
        if (messageId && byMessageId.has(messageId)) return byMessageId.get(messageId)!;
        return tokenResult ? [tokenResult] : [];
      },
    };
  }

  return {
    /**
     * Applies reports, each exactly once however often it arrives, in one transaction: the history
     * entry, the status, the delivered time, the suppression list. Returns each report's outcome.
     */
    async apply(reports: DeliveryReport[]): Promise<ReportOutcome[]> {
      if (!reports.length) return [];
      const now = new Date();
      const secret = config().returnPathSecret;
      const tokenIds = reports.map((report) => tokenIdOf(report, secret)).filter((id): id is number => id !== undefined);
      const messageIds = reports.flatMap((report) => (report.messageId ? [storedMessageId(report.messageId)] : []));

      const { outcomes, bounced } = await repositories.ownTransaction(async (trx) => {
        const match = matcher(await trx.reports.findResults(tokenIds, messageIds), secret);
        const matched = reports.map((report) => ({ report, results: match.resultsOf(report) }));
        const events: NewEvent[] = matched.flatMap(({ report, results }) =>
          results.map((result) => ({
            runId: result.runId,
            resultId: result.id,
            type: report.kind,
            at: report.at,
            actor: { kind: 'system' as const, id: report.source, name: null },
            detail: {
              source: report.source,
              recipient: report.recipient ?? result.recipient,
              status: report.status ?? null,
              diagnostic: report.diagnostic ?? null,
            },
            dedupeKey: dedupeKeyOf(report, result.id),
          }))
        );
        const written = await trx.events.insert(events, now);
        const fresh = matched.map(({ report, results }) => ({
          report,
          results: results.filter((result) => written.has(dedupeKeyOf(report, result.id))),
        }));

        // A report about a Bcc copy suppresses that address but leaves the result: its recipient got it.
        const aboutRecipient = (report: DeliveryReport, result: ReportedResult) =>
          !report.recipient || sameAddress(report.recipient, result.recipient);
        const changes = new Map<number, { id: number; status: 'bounced' | 'complained'; error: string | null }>();
        const deliveries = new Map<number, { id: number; at: Date }>();
        const suppressions: { address: string; reason: 'bounced' | 'complained'; source: string }[] = [];
        for (const { report, results } of fresh) {
          for (const result of results) {
            if (report.kind === 'delivered' && aboutRecipient(report, result)) {
              const earlier = deliveries.get(result.id);
              if (!earlier || earlier.at > report.at) deliveries.set(result.id, { id: result.id, at: report.at });
            }
            if (report.kind === 'bounced' || report.kind === 'complained') {
              const address = report.recipient ?? result.recipient;
              if (address) suppressions.push({ address, reason: report.kind, source: [report.source, report.status].filter(Boolean).join(' ') });
              // A complaint outranks a bounce of the same result.
              if (aboutRecipient(report, result) && changes.get(result.id)?.status !== 'complained') {
                changes.set(result.id, { id: result.id, status: report.kind, error: errorOf(report) });
              }
            }
          }
        }
        const changed = await trx.reports.markReported([...changes.values()], now);
        await trx.reports.markDelivered([...deliveries.values()], now);
        await trx.reports.suppress(suppressions, now);

        const changedIds = new Set(changed);
        const resultsById = new Map(matched.flatMap(({ results }) => results.map((result) => [result.id, result])));
        return {
          outcomes: matched.map(({ results }, i): ReportOutcome =>
            !results.length ? 'unmatched' : fresh[i].results.length ? 'applied' : 'duplicate'
          ),
          bounced: [...changes.values()]
            .filter((change) => change.status === 'bounced' && changedIds.has(change.id))
            .map((change) => ({ ...resultsById.get(change.id)!, error: change.error })),
        };
      });

      await getService(strapi, 'webhooks').announceResults(
        'bounced',
        bounced.map((result) => ({ ...result, reason: null }))
      );
      return outcomes;
    },
  };
};
