import { classifySendError } from '../../src/plugins/message-runs/server/src/domain/send-errors';

/** An error as nodemailer builds it: a message, its code, and the server's reply when there was one. */
const smtpError = (message: string, fields: { code?: string; responseCode?: number; response?: string; command?: string } = {}) =>
  Object.assign(new Error(message), fields);

describe('classifySendError', () => {
  it('retries a server that is down, refuses the connection or times out, as unavailable', () => {
    for (const code of ['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'ECONNREFUSED', 'EDNS', 'ETLS', 'EAUTH']) {
      expect(classifySendError(smtpError('connect ECONNREFUSED 127.0.0.1:25', { code }))).toMatchObject({
        status: 'transient',
        cause: 'unavailable',
      });
    }
    expect(classifySendError(smtpError('Authentication failed', { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 bad credentials' }))).toMatchObject({
      status: 'transient',
      cause: 'unavailable',
      error: '535 5.7.8 bad credentials',
    });
  });

  it('slows down on a throttle (451, 454, 421 or the words of one)', () => {
    expect(classifySendError(smtpError('x', { code: 'EMESSAGE', responseCode: 454, response: '454 Throttling failure' }))).toMatchObject({
      status: 'transient',
      cause: 'throttled',
      slowDown: true,
    });
    expect(classifySendError(smtpError('x', { responseCode: 550, response: '550 Daily sending rate exceeded' }))).toMatchObject({ cause: 'throttled' });
    expect(classifySendError(smtpError('x', { code: 'EENVELOPE', responseCode: 421, response: '421 closing' }))).toMatchObject({
      cause: 'unavailable',
      slowDown: true,
    });
  });

  it('fails a permanent reply for good, naming the recipient when RCPT TO was refused', () => {
    expect(classifySendError(smtpError('x', { code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 unknown user', command: 'RCPT TO' }))).toEqual({
      status: 'rejected',
      reason: 'recipient-rejected',
      error: '550 5.1.1 unknown user',
    });
    expect(classifySendError(smtpError('x', { code: 'EMESSAGE', responseCode: 554, response: '554 spam', command: 'DATA' }))).toEqual({
      status: 'rejected',
      reason: 'smtp-rejected',
      error: '554 spam',
    });
  });

  it('retries 503 (bad sequence of commands): the session was in the wrong state, not the message wrong', () => {
    expect(classifySendError(smtpError('x', { code: 'EENVELOPE', responseCode: 503, response: '503 Error: need MAIL command' }))).toMatchObject({
      status: 'transient',
    });
  });

  it('retries a message stream cut off with its connection, and an error it does not know', () => {
    const streamCut = smtpError('Premature close', { code: 'ESTREAM' });
    expect(classifySendError(streamCut)).toEqual({ status: 'transient', error: 'Premature close' });
    expect(classifySendError(new Error('something odd'))).toEqual({ status: 'transient', error: 'something odd' });
    expect(classifySendError('a string')).toEqual({ status: 'transient', error: 'a string' });
  });

  it('fails for good a message nodemailer cannot send as it is', () => {
    expect(classifySendError(smtpError('No recipients defined', { code: 'EENVELOPE' }))).toMatchObject({ status: 'rejected', reason: 'smtp-rejected' });
    expect(classifySendError(smtpError('Message size larger than allowed 1000', { code: 'EMESSAGE' }))).toMatchObject({ status: 'rejected' });
  });
});
