export default ({ env }) => ({
  // error | warn | info | http (each request) | verbose | debug
  level: env('LOG_LEVEL', 'http'),
});
