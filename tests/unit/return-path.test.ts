import { env } from '@strapi/utils';
import config from '../../src/plugins/message-runs/server/src/config';
import { returnPathFor, returnPathProblem, resultIdOf } from '../../src/plugins/message-runs/server/src/services/return-path';

const TEMPLATE = 'bounces+{token}@billing.example';
const SECRET = 'a test secret of some length';

/** The address's token, split into the result id (base 36) and the MAC. */
const partsOf = (address: string) => /^bounces\+([0-9a-z]+)-([a-z2-7]+)@billing\.example$/.exec(address)!.slice(1);

describe('return path', () => {
  it('names its result: the address resolves to the id it was made for', () => {
    for (const id of [1, 35, 36, 123456, 2 ** 31 - 1, Number.MAX_SAFE_INTEGER]) {
      const address = returnPathFor(TEMPLATE, id, SECRET);
      expect(address).toMatch(/^bounces\+[0-9a-z]+-[a-z2-7]{16}@billing\.example$/);
      expect(resultIdOf(address, TEMPLATE, SECRET)).toBe(id);
    }
  });

  it('keeps the template around the token', () => {
    const address = returnPathFor('Mail.Bounce-{token}.x@Billing.Example', 42, SECRET);
    expect(address).toMatch(/^Mail\.Bounce-16-[a-z2-7]{16}\.x@Billing\.Example$/);
    expect(resultIdOf(address, 'Mail.Bounce-{token}.x@Billing.Example', SECRET)).toBe(42);
  });

  it('differs per result and per secret', () => {
    expect(partsOf(returnPathFor(TEMPLATE, 1, SECRET))[1]).not.toBe(partsOf(returnPathFor(TEMPLATE, 2, SECRET))[1]);
    expect(returnPathFor(TEMPLATE, 1, SECRET)).not.toBe(returnPathFor(TEMPLATE, 1, `${SECRET}!`));
  });

  it('resolves an address a mail system lower- or upper-cased', () => {
    const address = returnPathFor(TEMPLATE, 987654, SECRET);
    expect(resultIdOf(address.toUpperCase(), TEMPLATE, SECRET)).toBe(987654);
    expect(resultIdOf(address.toLowerCase(), TEMPLATE, SECRET)).toBe(987654);
  });

  it('refuses a tampered id: another result’s id with this MAC', () => {
    const [, mac] = partsOf(returnPathFor(TEMPLATE, 1000, SECRET));
    expect(resultIdOf(`bounces+${(1001).toString(36)}-${mac}@billing.example`, TEMPLATE, SECRET)).toBeUndefined();
    // The same number written with a leading zero is not the token that was issued.
    expect(resultIdOf(`bounces+0${(1000).toString(36)}-${mac}@billing.example`, TEMPLATE, SECRET)).toBeUndefined();
  });

  it('refuses a tampered, shortened or lengthened MAC', () => {
    const [id, mac] = partsOf(returnPathFor(TEMPLATE, 1000, SECRET));
    const flipped = `${mac.slice(0, -1)}${mac.endsWith('a') ? 'b' : 'a'}`;
    for (const forged of [flipped, mac.slice(0, -1), `${mac}a`, '']) {
      expect(resultIdOf(`bounces+${id}-${forged}@billing.example`, TEMPLATE, SECRET)).toBeUndefined();
    }
  });

  it('refuses an address made with another secret', () => {
    expect(resultIdOf(returnPathFor(TEMPLATE, 7, 'another secret entirely'), TEMPLATE, SECRET)).toBeUndefined();
  });

  it('refuses an address that does not fit the template', () => {
    const address = returnPathFor(TEMPLATE, 7, SECRET);
    expect(resultIdOf(address.replace('@billing.example', '@billing.example.org'), TEMPLATE, SECRET)).toBeUndefined();
    expect(resultIdOf(address.replace('@billing.example', '@other.example'), TEMPLATE, SECRET)).toBeUndefined();
    expect(resultIdOf(address.replace('bounces+', 'returns+'), TEMPLATE, SECRET)).toBeUndefined();
    expect(resultIdOf('bounces+@billing.example', TEMPLATE, SECRET)).toBeUndefined();
    expect(resultIdOf('invoices@billing.example', TEMPLATE, SECRET)).toBeUndefined();
  });

  it('accepts a template with one token in the local part, and names what is wrong with any other', () => {
    expect(returnPathProblem(TEMPLATE)).toBeUndefined();
    expect(returnPathProblem('{token}@bounces.billing.example')).toBeUndefined();
    expect(returnPathProblem('bounces@billing.example')).toMatch(/exactly one \{token\}/);
    expect(returnPathProblem('b+{token}+{token}@billing.example')).toMatch(/exactly one \{token\}/);
    expect(returnPathProblem('bounces+{token}')).toMatch(/@ and a domain/);
    expect(returnPathProblem('bounces@billing.example+{token}')).toMatch(/@ and a domain/);
    expect(returnPathProblem('bounces+{token}@')).toMatch(/@ and a domain/);
    expect(returnPathProblem('bounces+{token}@billing.example@x.example')).toMatch(/@ and a domain/);
    expect(returnPathProblem('bounces {token}@billing.example')).toMatch(/local part/);
    expect(() => returnPathFor('bounces@billing.example', 1, SECRET)).toThrow(/exactly one \{token\}/);
  });
});

describe('return path configuration', () => {
  /** The plugin's validator, to run on its defaults read from the environment with these variables set. */
  const validate = (variables: Record<string, string>) => {
    const saved = process.env;
    process.env = { ...saved, ...variables };
    try {
      const defaults = config.default({ env });
      return () => config.validator(defaults);
    } finally {
      process.env = saved;
    }
  };
  const SET = { MESSAGE_RETURN_PATH: TEMPLATE, MESSAGE_RETURN_PATH_SECRET: SECRET };

  it('is off by default, and valid with a template and a secret', () => {
    expect(config.default({ env }).returnPath).toBeUndefined();
    expect(validate({})).not.toThrow();
    expect(validate(SET)).not.toThrow();
  });

  it('refuses a return path without a secret, or with a short one', () => {
    const missing = /returnPathSecret \(MESSAGE_RETURN_PATH_SECRET\) must be set, at least 16 characters, when returnPath is/;
    expect(validate({ MESSAGE_RETURN_PATH: TEMPLATE })).toThrow(missing);
    expect(validate({ ...SET, MESSAGE_RETURN_PATH_SECRET: 'short' })).toThrow(missing);
  });

  it('refuses a template without a token', () => {
    expect(validate({ ...SET, MESSAGE_RETURN_PATH: 'bounces@billing.example' })).toThrow(
      /returnPath \(MESSAGE_RETURN_PATH\): "bounces@billing.example" must hold exactly one \{token\}/
    );
  });
});
