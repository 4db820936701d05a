import net, { type AddressInfo } from 'net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  parsed: ParsedMail;
}

/** An SMTP answer to force: `{ code: 451, message: '…' }`, or undefined to accept. */
type Answer = { code: number; message: string } | undefined;

/**
 * A real SMTP server on 127.0.0.1 for the tests: it keeps every message it accepts (parsed by
 * mailparser), and can refuse recipients or whole messages with any reply code.
 */
export async function startSmtpSink(port = 0) {
  const received: ReceivedMail[] = [];
  let answerRecipient: (address: string) => Answer = () => undefined;
  let answerMessage: () => Answer = () => undefined;
  let acceptDelayMs = 0;
  /** Messages whose data the server has, and has not answered yet. */
  let answering = 0;

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
      simpleParser(stream).then(
        (parsed) => {
          const answer = answerMessage();
          if (answer) return callback(fail(answer));
          // A message counts as received when the server accepts it (its 250), as for a real server.
          answering++;
          setTimeout(() => {
            answering--;
            received.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              },
              parsed,
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
    port: ((server as any).server.address() as AddressInfo).port,
    received,
    /** Refuse (or accept, with undefined) each recipient as the function says. */
    answerRecipients(fn: (address: string) => Answer) {
      answerRecipient = fn;
    },
    /** Refuse (or accept) each message after its data, as the function says. */
    answerMessages(fn: () => Answer) {
      answerMessage = fn;
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
