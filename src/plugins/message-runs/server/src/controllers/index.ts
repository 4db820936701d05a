import results from './results';
import runs from './runs';

// Thin controllers: validate the request, call a service, shape the answer.
export default { runs, results };
