import { env } from '@strapi/utils';
import config, { resolveBounceImap } from '../../src/plugins/message-runs/server/src/config';

/** The plugin's configuration read from the environment with these variables set. */
function configWith(variables: Record<string, string>) {
  const saved = process.env;
  process.env = { ...saved, ...variables };
  try {
    return config.default({ env });
  } finally {
    process.env = saved;
  }
}
const settingsWith = (variables: Record<string, string>) => resolveBounceImap(configWith(variables).bounceImap);

describe('bounce mailbox configuration', () => {
  it('is off by default', () => {
    expect(settingsWith({})).toEqual({ problems: [] });
  });

  it('reads BOUNCE_IMAP_URL: imaps on 993 by default, the user and password decoded, the mailbox from the path', () => {
    expect(settingsWith({ BOUNCE_IMAP_URL: 'imaps://bounce%40billing.example:p%2Fss%20word@imap.billing.example/Bounces' }).settings).toEqual({
      host: 'imap.billing.example',
      port: 993,
      secure: true,
      user: 'bounce@billing.example',
      pass: 'p/ss word',
      mailbox: 'Bounces',
      processedFolder: 'Processed',
      unmatchedFolder: 'Unmatched',
      rule: '0 * * * * *',
    });
    expect(settingsWith({ BOUNCE_IMAP_URL: 'imap://u:p@127.0.0.1:1143' }).settings).toMatchObject({ port: 1143, secure: false, mailbox: 'INBOX' });
  });

  it('lets each BOUNCE_IMAP_* variable override the URL, or stand without one', () => {
    expect(
      settingsWith({ BOUNCE_IMAP_URL: 'imap://u:p@imap.example:143/INBOX', BOUNCE_IMAP_PASS: 'from its own variable', BOUNCE_IMAP_MAILBOX: 'Bounces' }).settings
    ).toMatchObject({ user: 'u', pass: 'from its own variable', mailbox: 'Bounces' });
    expect(
      settingsWith({ BOUNCE_IMAP_HOST: 'imap.example', BOUNCE_IMAP_PORT: '993', BOUNCE_IMAP_USER: 'u', BOUNCE_IMAP_PASS: 'p', BOUNCE_IMAP_CRON_RULE: '*/30 * * * * *' }).settings
    ).toMatchObject({ host: 'imap.example', port: 993, secure: true, mailbox: 'INBOX', rule: '*/30 * * * * *' });
    expect(settingsWith({ BOUNCE_IMAP_HOST: 'imap.example', BOUNCE_IMAP_SECURE: 'false', BOUNCE_IMAP_USER: 'u', BOUNCE_IMAP_PASS: 'p' }).settings).toMatchObject({
      port: 143,
      secure: false,
    });
  });

  it('refuses what cannot work, naming the variable and never the URL or the password', () => {
    const refusal = (variables: Record<string, string>) => {
      const defaults = configWith(variables);
      expect(() => config.validator(defaults)).toThrow(/^Invalid configuration of plugin message-runs: /);
      try {
        config.validator(defaults);
      } catch (error) {
        const message = (error as Error).message;
        expect(message).not.toContain('s3cret');
        return message;
      }
    };
    expect(refusal({ BOUNCE_IMAP_URL: 'https://u:s3cret@imap.example/INBOX' })).toContain(
      'bounceImap.url (BOUNCE_IMAP_URL) must be imap://user:password@host:port/mailbox or imaps://…'
    );
    expect(refusal({ BOUNCE_IMAP_URL: 'imap://imap.example/INBOX' })).toContain('bounceImap needs a user and a password');
    expect(refusal({ BOUNCE_IMAP_URL: 'imap://u:s3cret@imap.example/INBOX', BOUNCE_IMAP_PORT: '70000' })).toContain(
      'bounceImap.port (BOUNCE_IMAP_PORT) must be 1..65535'
    );
    expect(refusal({ BOUNCE_IMAP_URL: 'imap://u:s3cret@imap.example/Processed' })).toContain(
      'bounceImap.mailbox, processedFolder and unmatchedFolder must be three different folders'
    );
  });
});
