// Thin controllers: validate the request, call a service, shape the answer.
export default {};
