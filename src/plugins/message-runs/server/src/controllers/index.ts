import providerEvents from './events';
import { resultEvents, runEvents } from './history';
import options from './options';
import results from './results';
import runs from './runs';
import settings from './settings';

// Thin controllers: validate the request, call a service, shape the answer.
export default {
  runs,
  results,
  'run-events': runEvents,
  'result-events': resultEvents,
  'provider-events': providerEvents,
  options,
  settings,
};
