/**
 * Seeded random hostile input for the fuzz suite: values of the wrong type, NUL bytes, huge and
 * deeply nested values, awkward unicode, impossible dates, extreme numbers, prototype-pollution keys
 * and templates that explode. The same seed gives the same sequence, so a failure is replayed by
 * running the suite again with FUZZ_SEED set to the seed it printed.
 *
 *   const random = fuzzer(seed);
 *   const { kind, value } = random.value();          // for a JSON body field
 *   const { kind, raw } = random.queryParam('q');    // `q=…` as it goes on the wire
 */

/** mulberry32: a small, fast PRNG with a 32-bit state; plenty for choosing inputs. */
function mulberry32(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Hostile {
  /** what kind of hostility, for the report: "nul", "huge-string", "deep-object", … */
  kind: string;
  value: unknown;
}

/** An object with an own key such as `__proto__`, which a literal or an assignment would not create. */
export function withOwnKey(target: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

const HUGE_LENGTH = 1_000_000;
const DEPTH = 1000;

const nested = (depth: number, leaf: unknown, wrap: (inner: unknown) => unknown) => {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = wrap(value);
  return value;
};

/** `{{#each @root}}` nested nine times: every level walks the whole context again. */
const explodingTemplate = () => '{{#each @root}}'.repeat(9) + '{{this}}' + '{{/each}}'.repeat(9);

const STRINGS: Record<string, () => string[]> = {
  nul: () => ['\u0000', 'abc\u0000def', 'K-100\u0000'],
  'huge-string': () => ['x'.repeat(HUGE_LENGTH)],
  'long-string': () => ['y'.repeat(10_000)],
  unicode: () => [
    '👩‍👩‍👧‍👦🧾💶',
    '\u202Eevil\u202C',
    'שלום עולם',
    'e\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308',
    'Z̸̢̛̗̹̈́a̷̡͓͗l̶͉̈́g̵̣̿o̶̺̊',
    '\u200B\u200D\uFEFF',
  ],
  'lone-surrogate': () => ['\uD800', 'a\uDFFFb'],
  'invalid-date': () => ['2024-13-01', '2026-02-31', '0000-01-01', '2024-02-30T25:61:00Z', '9999-99-99', '-000001-01-01'],
  'number-string': () => ['NaN', 'Infinity', '-1', '1e308', '-0', '9007199254740993', '0x1F', '1_000'],
  'sql-like': () => ["' OR 1=1 --", '%', '_', '\\', '"; DROP TABLE customers; --', '*'],
  template: () => [
    explodingTemplate(),
    '{{#each}}',
    '{{> missing}}',
    '{{constructor.constructor "return process"}}',
    '{{lookup this "__proto__"}}',
    '{{{{raw}}}}',
  ],
  'proto-string': () => ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'],
  empty: () => ['', '   ', '\n\t'],
};

export function fuzzer(seed: number) {
  const random = mulberry32(seed);

  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const chance = (probability: number) => random() < probability;
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

  const hostileString = (): Hostile => {
    const kind = pick(Object.keys(STRINGS));
    return { kind, value: pick(STRINGS[kind]()) };
  };

  const protoObject = (): Hostile => ({
    kind: 'proto-key',
    value: pick([
      () => JSON.parse('{"__proto__": {"polluted": "yes", "isAdmin": true}}'),
      () => ({ constructor: { prototype: { polluted: 'yes' } } }),
      () => JSON.parse('{"__proto__": null}'),
      () => withOwnKey({ toString: 'x', valueOf: 1, hasOwnProperty: 'y' }, '__proto__', { length: 1 }),
    ])(),
  });

  /** A value that is not a string: the wrong type where a string belongs. */
  const wrongType = (): Hostile =>
    pick<() => Hostile>([
      () => ({ kind: 'number', value: pick([0, -1, 42, 3.14, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 5e-324]) }),
      () => ({ kind: 'boolean', value: pick([true, false]) }),
      () => ({ kind: 'null', value: null }),
      () => ({ kind: 'array', value: pick([[], ['a'], [1, 2, 3], [null], [['x']], [{}]]) }),
      () => ({ kind: 'object', value: pick([{}, { a: 1 }, { $ne: 'x' }, { $gt: '' }, { id: 1 }, { set: [] }]) }),
      () => ({ kind: 'deep-array', value: nested(DEPTH, 'x', (inner) => [inner]) }),
      () => ({ kind: 'deep-object', value: nested(DEPTH, 'x', (inner) => ({ a: inner })) }),
      protoObject,
    ])();

  /** Any hostile value for a JSON field: a hostile string (more often) or a value of another type. */
  const value = (): Hostile => (chance(0.55) ? hostileString() : wrongType());

  /** A whole JSON body that is not an object of fields. */
  const body = (): Hostile =>
    pick<() => Hostile>([
      () => ({ kind: 'body-array', value: pick([[], [{}], [1, 2]]) }),
      () => ({ kind: 'body-scalar', value: pick([0, 'text', true, null]) }),
      () => ({ kind: 'body-deep-object', value: nested(DEPTH, {}, (inner) => ({ data: inner })) }),
      () => ({ kind: 'body-deep-array', value: nested(DEPTH, [], (inner) => [inner]) }),
      protoObject,
      () => ({ kind: 'body-huge', value: { data: { name: 'x'.repeat(HUGE_LENGTH) } } }),
    ])();

  /**
   * One query-string parameter exactly as it goes on the wire (not re-encoded by the client): a plain
   * hostile value, `%00`, an array (`key[]=a`), an operator object (`key[$ne]=x`), nested brackets, or
   * a prototype key.
   */
  const queryParam = (key: string): { kind: string; raw: string } => {
    const encode = (text: string) => {
      try {
        return encodeURIComponent(text);
      } catch {
        return '%ED%A0%80'; // a lone surrogate has no UTF-8 form: send the bytes it would have
      }
    };
    return pick<() => { kind: string; raw: string }>([
      () => {
        const { kind, value: text } = hostileString();
        return { kind, raw: `${key}=${encode((text as string).slice(0, 4000))}` };
      },
      () => ({ kind: 'nul-%00', raw: `${key}=a%00b` }),
      () => ({ kind: 'query-array', raw: `${key}[]=a&${key}[]=b` }),
      () => ({ kind: 'query-operator', raw: `${key}[$ne]=x` }),
      () => ({ kind: 'query-object', raw: `${key}[x]=1` }),
      () => ({ kind: 'query-deep', raw: `${key}${'[a]'.repeat(int(20, 200))}=1` }),
      () => ({ kind: 'query-index', raw: `${key}[999999]=1` }),
      () => ({ kind: 'query-proto', raw: pick([`__proto__[${key}]=1`, `${key}[__proto__][x]=1`, `constructor[prototype][${key}]=1`]) }),
      () => ({ kind: 'number-string', raw: `${key}=${pick(['NaN', '-1', '1e308', '0', '1.5', '-0', '99999999999999999999'])}` }),
      () => ({ kind: 'empty', raw: pick([`${key}=`, key, `${key}=&${key}=`]) }),
      () => ({ kind: 'bad-percent', raw: `${key}=%E0%A4%A` }),
    ])();
  };

  /** An id for a route's `:id`, hostile: not a documentId, or one that names nothing. */
  const hostileId = (): Hostile =>
    pick<() => Hostile>([
      () => ({ kind: 'unknown-id', value: 'abcdefghijklmnopqrstuvwx' }),
      () => ({ kind: 'numeric-id', value: pick(['1', '0', '-1', '1e308', 'NaN', '99999999999']) }),
      () => ({ kind: 'nul-id', value: 'abc%00def' }),
      () => ({ kind: 'proto-id', value: pick(['__proto__', 'constructor', 'prototype']) }),
      () => ({ kind: 'unicode-id', value: encodeURIComponent('👩‍👩‍👧‍👦') + '%E2%80%AE' }),
      () => ({ kind: 'long-id', value: 'a'.repeat(5000) }),
      () => ({ kind: 'sql-like-id', value: encodeURIComponent("1' OR '1'='1") }),
      () => ({ kind: 'bad-percent-id', value: '%E0%A4%A' }),
    ])();

  return { random, pick, chance, int, value, string: hostileString, wrongType, body, queryParam, hostileId };
}

export type Fuzzer = ReturnType<typeof fuzzer>;

/** A short, printable form of an input for a failure report. */
export function truncate(input: unknown, length = 300) {
  let text: string;
  try {
    text = typeof input === 'string' ? input : JSON.stringify(input);
  } catch (error) {
    text = `<${(error as Error).message}>`;
  }
  text ??= String(input);
  const printable = text.replace(/\u0000/g, '\\0');
  return printable.length > length ? `${printable.slice(0, length)}… (${printable.length} chars)` : printable;
}
