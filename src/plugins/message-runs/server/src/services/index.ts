// Services: runs, results, queue, renderer, mailer (DESIGN.md §4).
export default {};
