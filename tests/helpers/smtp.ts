import { createHash } from 'crypto';
import net, { type AddressInfo } from 'net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { startStrapi } from './strapi';

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  parsed: ParsedMail;
  /** The message's bytes as the server received them (its DATA, dot-unstuffed), and their SHA-256 (hex). */
  raw: Buffer;
  sha256: string;
  /** When the message's data began to arrive (ms since the epoch): the time a provider's rate limit counts. */
  receivedAt: number;
}

/** An SMTP answer to force: `{ code: 451, message: '…' }`, or undefined to accept. */
type Answer = { code: number; message: string } | undefined;
/** What smtp-server's types leave out: its open connections (each with its session and socket) and its net.Server. */
type ServerInternals = {
  connections: Set<{ session?: SMTPServerSession; _socket: net.Socket }>;
  server: net.Server;
};

/**
 * A real SMTP server on 127.0.0.1 for the tests: it keeps every message it accepts (parsed by
 * mailparser), and can refuse recipients or whole messages with any reply code.
 */
export async function startSmtpSink(port = 0) {
  const received: ReceivedMail[] = [];
  let answerRecipient: (address: string) => Answer = () => undefined;
  let answerMessage: (mail: ParsedMail) => Answer = () => undefined;
  let acceptDelayMs = 0;
  /** Messages whose data the server has, and has not answered yet. */
  let answering = 0;
  /** Cut the next message's connection once its data is in, with no answer. */
  let dropNext = false;

  const fail = (answer: NonNullable<Answer>) => Object.assign(new Error(answer.message), { responseCode: answer.code });

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const answer = answerRecipient(address.address);
      callback(answer ? fail(answer) : undefined);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const receivedAt = Date.now();
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      const raw = new Promise<Buffer>((resolve) => stream.on('end', () => resolve(Buffer.concat(chunks))));
      if (dropNext) {
        dropNext = false;
        // As a server (or the network) dying in the middle: the data is in, no answer ever comes.
        const connection = [...(server as unknown as ServerInternals).connections].find(
          (candidate) => candidate.session?.id === session.id
        );
        raw.then(() => connection?._socket.destroy());
        return;
      }
      simpleParser(stream).then(
        (parsed) => {
          const answer = answerMessage(parsed);
          if (answer) return callback(fail(answer));
          // A message counts as received when the server accepts it (its 250), as for a real server.
          answering++;
          setTimeout(async () => {
            const bytes = await raw;
            answering--;
            received.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              },
              parsed,
              raw: bytes,
              sha256: createHash('sha256').update(bytes).digest('hex'),
              receivedAt,
            });
            callback();
          }, acceptDelayMs);
        },
        (error) => callback(error)
      );
    },
  });
  // A client that dies mid-message (the crash tests kill one) resets its connection: expected here.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  return {
    port: ((server as unknown as ServerInternals).server.address() as AddressInfo).port,
    received,
    /** Refuse (or accept, with undefined) each recipient as the function says. */
    answerRecipients(fn: (address: string) => Answer) {
      answerRecipient = fn;
    },
    /** Refuse (or accept) each message after its data, as the function says. */
    answerMessages(fn: (mail: ParsedMail) => Answer) {
      answerMessage = fn;
    },
    /** Cuts the next message's connection after its data, without answering: the client never learns its fate. */
    dropNextMessage() {
      dropNext = true;
    },
    /** Forgets what it received and accepts everything again (before each test). */
    reset() {
      received.length = 0;
      dropNext = false;
      answerRecipient = () => undefined;
      answerMessage = () => undefined;
    },
    /** How many messages are in their SMTP transaction: data received, not yet answered. */
    inTransaction: () => answering,
    /** Makes the server take this long to accept each message (so messages are in flight). */
    slowDown(ms: number) {
      acceptDelayMs = ms;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function freePort() {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** The most messages received within any `windowMs` (a sliding window over the receive times). */
export function busiestWindow(mails: ReceivedMail[], windowMs: number) {
  const times = mails.map((mail) => mail.receivedAt).sort((a, b) => a - b);
  let busiest = 0;
  for (let first = 0, last = 0; last < times.length; last++) {
    while (times[last] - times[first] >= windowMs) first++;
    busiest = Math.max(busiest, last - first + 1);
  }
  return busiest;
}

/** How often each subject was received: the ones received more than once, and those never received. */
export function deliveriesOf(mails: ReceivedMail[], subjects: string[]) {
  const delivered = new Map<string, number>();
  for (const mail of mails) delivered.set(mail.parsed.subject!, (delivered.get(mail.parsed.subject!) ?? 0) + 1);
  return {
    duplicated: [...delivered].filter(([, n]) => n > 1).map(([subject]) => subject),
    lost: subjects.filter((subject) => !delivered.has(subject)),
  };
}

export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>;

/**
 * A real SMTP sink and a Strapi instance sending to it, for a test file's `beforeAll`; `env` adds to
 * the instance's environment. `stop()` (for `afterAll`) stops both.
 */
export async function startStrapiWithSink(env: Record<string, string> = {}) {
  const smtp = await startSmtpSink();
  const app = await startStrapi({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), ...env });
  return {
    smtp,
    app,
    async stop() {
      await app.stop();
      await smtp.stop();
    },
  };
}
