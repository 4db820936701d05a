import { requestFingerprint, validKey } from '../../src/plugins/message-runs/server/src/services/idempotency';

/** The request an Idempotency-Key is bound to, and which keys are taken (DESIGN.md §3, "Retrying safely"). */

describe('requestFingerprint', () => {
  const body = { definition: 'd1', cluster: 'c1', bcc: ['a@example.com', 'b@example.com'], nested: { x: 1, y: [{ b: 2, a: 1 }] } };

  it('is the same for the same fields in another order, at any depth', () => {
    const reordered = { nested: { y: [{ a: 1, b: 2 }], x: 1 }, bcc: ['a@example.com', 'b@example.com'], cluster: 'c1', definition: 'd1' };
    expect(requestFingerprint('POST', '/api/message-runs/runs', reordered)).toBe(requestFingerprint('post', '/api/message-runs/runs', body));
  });

  it.each([
    ['another method', 'PUT', '/api/message-runs/runs', body],
    ['another path', 'POST', '/message-runs/runs', body],
    ['another value', 'POST', '/api/message-runs/runs', { ...body, cluster: 'c2' }],
    ['a list in another order', 'POST', '/api/message-runs/runs', { ...body, bcc: ['b@example.com', 'a@example.com'] }],
    ['one field more', 'POST', '/api/message-runs/runs', { ...body, includeChildren: false }],
  ])('differs for %s', (_case, method, path, other) => {
    expect(requestFingerprint(method, path, other)).not.toBe(requestFingerprint('POST', '/api/message-runs/runs', body));
  });

  it('takes no body as null', () => {
    expect(requestFingerprint('POST', '/x', undefined)).toBe(requestFingerprint('POST', '/x', null));
  });
});

describe('validKey', () => {
  it.each(['a', '550e8400-e29b-41d4-a716-446655440000', 'k'.repeat(255), 'run 2026-11 / retry', 'clé-é'])('takes %j', (key) => {
    expect(validKey(key)).toBe(key);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['a tab', 'a\tb'],
    ['a NUL', 'a\0b'],
    ['a newline', 'a\nb'],
    ['DEL', 'a\x7fb'],
  ])('refuses a key with %s, naming the header', (_case, key) => {
    expect(() => validKey(key)).toThrow(/Idempotency-Key/);
  });
});
