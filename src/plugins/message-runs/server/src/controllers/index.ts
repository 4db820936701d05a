import events from './events';
import options from './options';
import results from './results';
import runs from './runs';
import settings from './settings';

// Thin controllers: validate the request, call a service, shape the answer.
export default { runs, results, options, settings, events };
