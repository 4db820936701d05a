import type { AddressInfo } from 'net';
import { SMTPServer } from 'smtp-server';
import type { Readable } from 'stream';

/** What the sink accepted: when its DATA began (ms since the epoch), its envelope and header block. */
export interface AcceptedMessage {
  at: number;
  from: string;
  to: string[];
  /** The header block (all before the first empty line); empty unless the sink reads headers. */
  head: string;
}

/** How the sink answers; the fault suite changes it while a run is delivered. */
export interface SinkBehaviour {
  /** 451 to every RCPT and DATA. */
  storm: boolean;
  /** 550 to these RCPT TO addresses. */
  rejectRecipient: (address: string) => boolean;
  /** How long it takes to accept a message, as real servers take a while. */
  delayMs: number;
  /** 454 "Throttling failure" to every n-th message's DATA; 0 never. */
  throttleEvery: number;
}

export interface SmtpSinkOptions extends Partial<SinkBehaviour> {
  port?: number;
  /** Keep each message's header block (`head`); without it the data is only read to its end. */
  readHeaders?: boolean;
  /** Told of each accepted message before its 250 goes out. */
  onAccepted?: (message: AcceptedMessage) => void;
}

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });
const STORM = () => smtpError(451, '4.3.0 Try again later (fault: 451 storm)');

/** The header block of a message: all before the first empty line (at most the first 64 KB read). */
function readHead(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      if (text.length < 64 * 1024) text += chunk.toString('latin1');
    });
    stream.on('end', () => resolve(text.split(/\r?\n\r?\n/, 1)[0]));
    stream.on('error', reject);
  });
}

/** Reads a message's data to its end and drops it. */
const drain = (stream: Readable) =>
  new Promise<string>((resolve, reject) => {
    stream.on('end', () => resolve(''));
    stream.on('error', reject);
    stream.resume();
  });

/**
 * The SMTP sink of the scripts (the e2e server's, the benchmark's and the fault suite's, the last two
 * in a process of their own: lib/smtp-sink-process.ts): a real SMTP server on 127.0.0.1 that accepts
 * every message unless `behaviour` says otherwise, counts what it accepted and when. `down()` stops
 * listening (open connections get 421 on their next command), `up()` listens again on the same port.
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}) {
  const behaviour: SinkBehaviour = {
    storm: false,
    rejectRecipient: () => false,
    delayMs: 0,
    throttleEvery: 0,
    ...options,
  };
  const receivedAt: number[] = [];
  let messages = 0;
  let port = options.port ?? 0;
  let server: SMTPServer;

  const createServer = () => {
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // `down` must not cut a message off between its data and the 250: connections only see the 421 on
      // their next command, and are cut after this long if they never send one.
      closeTimeout: 60_000,
      onRcptTo(address, _session, callback) {
        if (behaviour.storm) return callback(STORM());
        if (behaviour.rejectRecipient(address.address)) return callback(smtpError(550, '5.1.1 Mailbox unavailable'));
        callback();
      },
      onData(stream, session, callback) {
        const at = Date.now();
        messages++;
        (options.readHeaders ? readHead(stream) : drain(stream)).then(
          (head) => {
            if (behaviour.storm) return callback(STORM());
            // The count when this message's data has been read, as the fault suite's sink always did:
            // messages read while the count is a multiple are throttled together. Numbering each message
            // on arrival (exactly every n-th) kept the 454 fault's pace at its floor until it timed out.
            if (behaviour.throttleEvery && messages % behaviour.throttleEvery === 0) {
              return callback(smtpError(454, 'Throttling failure: Maximum sending rate exceeded (fault: 454)'));
            }
            setTimeout(() => {
              receivedAt.push(at);
              options.onAccepted?.({
                at,
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
                head,
              });
              callback();
            }, behaviour.delayMs);
          },
          (error: Error) => callback(error)
        );
      },
    });
    // A client killed mid-message resets its connection: expected here.
    smtp.on('error', () => {});
    return smtp;
  };

  const up = () =>
    new Promise<void>((resolve) => {
      server = createServer();
      server.listen(port, '127.0.0.1', () => {
        // smtp-server's types leave out the net.Server it listens with.
        port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
        resolve();
      });
    });
  await up();

  return {
    get port() {
      return port;
    },
    behaviour,
    /** When each accepted message's DATA began (ms since the epoch), in the order accepted. */
    receivedAt,
    up,
    down: () =>
      new Promise<void>((resolve) => {
        server.close();
        setImmediate(resolve);
      }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>;
