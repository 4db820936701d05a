import results from './results';
import runs from './runs';

// Services: runs and results here; queue, renderer and mailer come with delivery (DESIGN.md §4).
const services = { runs, results };
export type Services = typeof services;
export default services;
