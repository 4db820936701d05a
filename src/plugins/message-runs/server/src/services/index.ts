import archive from './archive';
import bounceMailbox from './bounce-mailbox';
import deliveryReports from './delivery-reports';
import history from './history';
import idempotency from './idempotency';
import mailer from './mailer';
import messages from './messages';
import options from './options';
import providerEvents from './provider-events';
import queue from './queue';
import renderer from './renderer';
import results from './results';
import runs from './runs';
import settings from './settings';
import webhooks from './webhooks';

// runs and results (with counts) serve the routes, options and settings the admin's dialog and
// settings page; queue, messages (context and attachments), renderer (the render thread) and mailer deliver;
// deliveryReports applies bounces, complaints and deliveries, which bounceMailbox reads from the bounce
// mailbox and providerEvents from mail providers' webhooks; history reads what happened to results and
// runs; webhooks announces runs and results through Strapi's webhooks; archive keeps each sent
// message's bytes; idempotency replays the answers of requests sent again with their Idempotency-Key.
const services = {
  runs,
  results,
  options,
  settings,
  queue,
  messages,
  renderer,
  mailer,
  deliveryReports,
  bounceMailbox,
  providerEvents,
  history,
  webhooks,
  archive,
  idempotency,
};
export type Services = typeof services;
export default services;
