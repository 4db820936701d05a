import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { spawn, execFileSync, type ChildProcess } from 'child_process';
import { ImapFlow } from 'imapflow';
import { freePort } from './smtp';

const DOVECOT = '/usr/sbin/dovecot';
const USER = 'bounces';
const PASSWORD = 'bounce mailbox password';
/** The system user the mail is kept as: Dovecot refuses root for mail access. */
const MAIL_USER = 'nobody';

let delivered = 0;

/**
 * A real Dovecot IMAP server for a test file: its own configuration, a passwd-file with one user,
 * a Maildir in a temporary folder, IMAP without TLS on a free port of 127.0.0.1 (plain-text login
 * allowed there). `.ci/run` installs Debian's dovecot-imapd; without it this fails, it never skips.
 */
export async function startDovecot() {
  if (!fs.existsSync(DOVECOT)) {
    throw new Error(`${DOVECOT} is not installed: install Debian's dovecot-imapd (apt-get install dovecot-imapd), as .ci/run does`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mr-dovecot-'));
  // Dovecot's processes run as its own users and the mail user: they must reach the folder.
  fs.chmodSync(dir, 0o755);
  const home = path.join(dir, 'mail', USER);
  fs.mkdirSync(home, { recursive: true });
  for (const sub of ['new', 'cur', 'tmp']) fs.mkdirSync(path.join(home, sub));
  const asRoot = process.getuid?.() === 0;
  const mailUser = asRoot ? MAIL_USER : os.userInfo().username;
  if (asRoot) execFileSync('chown', ['-R', `${MAIL_USER}:`, path.join(dir, 'mail')]);
  fs.writeFileSync(path.join(dir, 'passwd'), `${USER}:{PLAIN}${PASSWORD}\n`);
  const port = await freePort();
  const config = `
base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = mr-dovecot-${port}
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
${asRoot ? 'default_internal_user = dovecot\ndefault_login_user = dovenull' : `default_internal_user = ${mailUser}\ndefault_login_user = ${mailUser}`}
first_valid_uid = 1
mail_location = maildir:${dir}/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${mailUser} gid=${asRoot ? 'nogroup' : os.userInfo().gid} home=${dir}/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`;
  fs.writeFileSync(path.join(dir, 'dovecot.conf'), config);
  const child: ChildProcess = spawn(DOVECOT, ['-F', '-c', path.join(dir, 'dovecot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  await waitForListener(port, child, () => `${stderr}${readLog(dir)}`);

  const connect = async () => {
    const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user: USER, pass: PASSWORD }, logger: false });
    client.on('error', () => {});
    await client.connect();
    return client;
  };
  const withClient = async <T>(fn: (client: ImapFlow) => Promise<T>) => {
    const client = await connect();
    try {
      return await fn(client);
    } finally {
      await client.logout();
    }
  };

  return {
    port,
    url: `imap://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/INBOX`,
    user: USER,
    password: PASSWORD,
    /** Delivers a message as an MTA does: a file in the inbox's Maildir `new/`. */
    deliver(raw: string | Buffer) {
      const name = `${Date.now()}.M${++delivered}P${process.pid}.mr-test`;
      const tmp = path.join(home, 'tmp', name);
      fs.writeFileSync(tmp, raw);
      if (asRoot) execFileSync('chown', [`${MAIL_USER}:`, tmp]);
      fs.renameSync(tmp, path.join(home, 'new', name));
    },
    /** The Message-IDs (or subjects, for messages without one) in a folder, with their keywords. */
    messages: (folder: string) =>
      withClient(async (client) => {
        const exists = (await client.list()).some((mailbox) => mailbox.path === folder);
        if (!exists) return [];
        const lock = await client.getMailboxLock(folder);
        try {
          const found: { id: string; uid: number; flags: string[] }[] = [];
          if (!(client.mailbox && client.mailbox.exists)) return found;
          for await (const message of client.fetch('1:*', { uid: true, envelope: true, flags: true })) {
            found.push({ id: message.envelope?.messageId ?? message.envelope?.subject ?? '', uid: message.uid, flags: [...(message.flags ?? [])] });
          }
          return found;
        } finally {
          lock.release();
        }
      }),
    /** Copies every message of `folder` back into the inbox (a message that arrives again). */
    copyBack: (folder: string) =>
      withClient(async (client) => {
        const lock = await client.getMailboxLock(folder);
        try {
          await client.messageCopy('1:*', 'INBOX');
        } finally {
          lock.release();
        }
      }),
    withClient,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(dir: string) {
  try {
    return fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8');
  } catch {
    return '';
  }
}

/** Resolves once Dovecot answers on `port`; fails with its output when it exits or never does. */
async function waitForListener(port: number, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`dovecot exited (${child.exitCode}): ${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  throw new Error(`dovecot did not listen on 127.0.0.1:${port} within 15 s: ${output()}`);
}

export type Dovecot = Awaited<ReturnType<typeof startDovecot>>;
