import { deliveriesOf, type SmtpSink } from '../helpers/smtp';
import type { TestApp } from '../helpers/strapi';
import { createApiToken } from '../helpers/auth';
import { startDeliveryApp, type DeliveryWorld } from '../helpers/delivery';
import { runsApi, type RunsApi } from '../helpers/runs';
import type { Run, ScheduleRun } from '../../src/plugins/message-runs/shared/contracts/runs';
import { deliveryWorkers } from '../helpers/workers';

/**
 * Scheduled start (DESIGN.md §4): a run scheduled ahead starts once at its time, however many
 * instances tick; one whose `notAfter` passed while no instance ran stops with `missed-schedule`;
 * a schedule is moved and cancelled through the routes. PostgreSQL: two worker processes whose own
 * cron tasks start and deliver the run. SQLite (single-instance by design): this instance, with two
 * schedule ticks at once.
 */
const TWO_PROCESSES = process.env.TEST_DATABASE === 'postgres';

let app: TestApp;
let smtp: SmtpSink;
let stop: () => Promise<void>;
let api: RunsApi;
let delivery: DeliveryWorld;
const workers = deliveryWorkers();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const system = (id: string) => ({ kind: 'system', id, name: 'schedule' });

beforeAll(async () => {
  ({ app, smtp, delivery, stop } = await startDeliveryApp());
  api = runsApi(app, await createApiToken(app.strapi));
});
afterAll(async () => {
  workers.kill();
  await stop?.();
});

const runs = () => app.strapi.plugin('message-runs').service('runs');

/** A cluster of two customers, each with an invoice and its PDF. */
async function sendableCriteria() {
  const { cluster, definition, customer, invoiceWithPdf } = await delivery.world();
  const subjects: string[] = [];
  for (const name of ['Ada', 'Bob']) {
    const number = `S-${name}-${Date.now()}`;
    await invoiceWithPdf(await customer(name, `${name.toLowerCase()}@example.com`), number);
    subjects.push(`Invoice ${number} for ${name}`);
  }
  const criteria = {
    definition: definition.documentId,
    cluster: cluster.documentId,
    periodStart: '2026-01-01',
    periodEnd: '2026-01-31',
  };
  return { criteria, subjects };
}

async function eventsOf(documentId: string) {
  const res = await api.runEvents(documentId);
  expect(res.status).toBe(200);
  return res.body.data;
}

/** The run as GET answers it, once `done` holds of it (or fails after `ms`). */
async function runOnce(documentId: string, done: (run: Run) => boolean, ms = 60_000, between?: () => Promise<unknown>) {
  const deadline = Date.now() + ms;
  for (;;) {
    const run = (await api.get(documentId)).body.data;
    if (done(run)) return run;
    if (Date.now() > deadline) throw new Error(`run still ${run.status} after ${ms} ms`);
    await (between ? between() : sleep(200));
  }
}

it('a run scheduled 5 seconds ahead, with two instances, starts once and delivers once', async () => {
  const { criteria, subjects } = await sendableCriteria();
  if (TWO_PROCESSES) await workers.start(2, { MESSAGE_RUNS_CRON: 'true', MESSAGE_RUNS_CRON_RULE: '* * * * * *' });
  smtp.reset();

  const scheduledAt = new Date(Date.now() + 5000);
  const created = await api.createRun({ ...criteria, scheduledAt: scheduledAt.toISOString() });
  expect(created).toMatchObject({
    status: 'scheduled',
    scheduledAt: scheduledAt.toISOString(),
    timeZone: null,
    notAfter: null,
    startedAt: null,
  });

  // SQLite: this instance's two schedule ticks at once, then its delivery.
  const tickHere = async () => {
    await Promise.all(['first', 'second'].map((id) => runs().startDue(system(id))));
    while ((await app.strapi.plugin('message-runs').service('queue').tick()).claimed) {}
    await sleep(200);
  };
  const run = await runOnce(
    created.documentId,
    (r) => r.status === 'completed',
    60_000,
    TWO_PROCESSES ? undefined : tickHere
  );

  expect(new Date(run.startedAt!).getTime()).toBeGreaterThanOrEqual(scheduledAt.getTime());
  expect(run.counts).toMatchObject({ total: 2, sent: 2 });
  const { duplicated, lost } = deliveriesOf(smtp.received, subjects);
  expect({ received: smtp.received.length, duplicated, lost }).toEqual({ received: 2, duplicated: [], lost: [] });
  const trail = await eventsOf(created.documentId);
  expect(trail.map((entry) => entry.type)).toEqual(['created', 'scheduled', 'started', 'completed']);
  expect(trail[2].actor).toMatchObject({ kind: 'system', name: 'schedule' });
  workers.kill();
});

it('a schedule whose notAfter has passed, with no instance up, stops with missed-schedule and sends nothing', async () => {
  const { criteria } = await sendableCriteria();
  smtp.reset();
  const scheduledAt = new Date(Date.now() + 1000);
  const notAfter = new Date(scheduledAt.getTime() + 1000);
  const created = await api.createRun({
    ...criteria,
    scheduledAt: scheduledAt.toISOString(),
    notAfter: notAfter.toISOString(),
  });
  expect(created).toMatchObject({ status: 'scheduled', notAfter: notAfter.toISOString() });

  // No instance ticks until after notAfter (the cron is off here): the downtime.
  await sleep(notAfter.getTime() - Date.now() + 50);
  expect(await runs().startDue(system('late'))).toMatchObject({ started: [] });
  while ((await app.strapi.plugin('message-runs').service('queue').tick()).claimed) {}

  const run = (await api.get(created.documentId)).body.data;
  expect(run).toMatchObject({
    status: 'stopped',
    stopReason: 'missed-schedule',
    startedAt: null,
    counts: { queued: 2 },
  });
  expect(smtp.received).toHaveLength(0);
  const trail = await eventsOf(created.documentId);
  expect(trail.map((entry) => entry.type)).toEqual(['created', 'scheduled', 'stopped']);
  expect(trail[2]).toMatchObject({ actor: system('late'), detail: { stopReason: 'missed-schedule' } });
  // A second tick finds nothing left to do.
  expect(await runs().startDue(system('later'))).toEqual({ missed: [], started: [] });
});

it('sets a schedule in a time zone, moves it, cancels it with Stop, and sets it again', async () => {
  const { criteria } = await sendableCriteria();
  const created = await api.createRun(criteria);
  expect(created).toMatchObject({ status: 'created', scheduledAt: null, timeZone: null, notAfter: null });
  const schedule = (body: ScheduleRun.Request['body']) => api.schedule(created.documentId, body);

  // 07:00 in Berlin: 06:00 UTC in winter, 05:00 UTC in summer.
  const winter = await schedule({
    scheduledAt: '2030-01-15T07:00',
    timeZone: 'Europe/Berlin',
    notAfter: '2030-01-15T09:00',
  });
  expect(winter.status).toBe(200);
  expect(winter.body.data).toMatchObject({
    status: 'scheduled',
    scheduledAt: '2030-01-15T06:00:00.000Z',
    timeZone: 'Europe/Berlin',
    notAfter: '2030-01-15T08:00:00.000Z',
  });
  const moved = await schedule({ scheduledAt: '2030-07-15T07:00', timeZone: 'Europe/Berlin' });
  expect(moved.body.data).toMatchObject({
    status: 'scheduled',
    scheduledAt: '2030-07-15T05:00:00.000Z',
    notAfter: null,
  });
  // Not due: no tick starts it.
  expect(await runs().startDue(system('early'))).toEqual({ missed: [], started: [] });

  const stopped = (await api.stop(created.documentId)).body.data;
  expect(stopped).toMatchObject({
    status: 'stopped',
    stopReason: 'stopped-by-admin',
    scheduledAt: null,
    timeZone: null,
  });

  const again = await schedule({ scheduledAt: '2030-07-15T07:00:00+02:00' });
  expect(again.body.data).toMatchObject({
    status: 'scheduled',
    scheduledAt: '2030-07-15T05:00:00.000Z',
    timeZone: null,
  });
  // Start does not wait for the schedule.
  expect((await api.start(created.documentId)).body.data).toMatchObject({ status: 'running' });
  const refused = await schedule({ scheduledAt: '2030-07-15T07:00:00Z' });
  expect(refused.status).toBe(409);
  expect(refused.body.error.message).toMatch(/running/);
  await api.stop(created.documentId);

  const trail = await eventsOf(created.documentId);
  expect(trail.map((entry) => [entry.type, entry.detail?.scheduledAt ?? null])).toEqual([
    ['created', null],
    ['scheduled', '2030-01-15T06:00:00.000Z'],
    ['scheduled', '2030-07-15T05:00:00.000Z'],
    ['stopped', null],
    ['scheduled', '2030-07-15T05:00:00.000Z'],
    ['started', null],
    ['stopped', null],
  ]);
  expect(trail[1].detail).toEqual({
    scheduledAt: '2030-01-15T06:00:00.000Z',
    timeZone: 'Europe/Berlin',
    notAfter: '2030-01-15T08:00:00.000Z',
  });
});

it('refuses a schedule it cannot place in time, naming the field', async () => {
  const { criteria } = await sendableCriteria();
  const refusals: [Record<string, unknown>, RegExp][] = [
    [{ scheduledAt: '2030-01-15T07:00' }, /scheduledAt must be an ISO 8601 date-time/],
    [
      { scheduledAt: '2030-01-15T07:00', timeZone: 'Mars/Olympus' },
      /timeZone "Mars\/Olympus" is not an IANA time zone/,
    ],
    [{ scheduledAt: '2030-02-30T07:00Z' }, /scheduledAt must be an ISO 8601 date-time/],
    [{ scheduledAt: '2020-01-15T07:00Z' }, /scheduledAt is in the past/],
    [{ scheduledAt: '2030-01-15T07:00Z', notAfter: '2030-01-15T06:00Z' }, /notAfter must be after scheduledAt/],
    [{ notAfter: '2030-01-15T06:00Z' }, /notAfter must be after scheduledAt, and needs it/],
  ];
  for (const [schedule, message] of refusals) {
    const res = await api.create({ ...criteria, ...schedule });
    expect({ schedule, status: res.status, message: res.body.error?.message }).toEqual({
      schedule,
      status: 400,
      message: expect.stringMatching(message),
    });
  }
  expect((await api.list()).body.data.filter((run: any) => run.status === 'scheduled')).toEqual([]);
});
