import counts from './counts';
import mailer from './mailer';
import messages from './messages';
import queue from './queue';
import results from './results';
import runs from './runs';

// runs and results (with counts) serve the routes; queue, messages (rendering and attachments) and mailer deliver.
const services = { runs, results, counts, queue, messages, mailer };
export type Services = typeof services;
export default services;
