'use strict';

/** The super admin that e2e-server.js seeds and the browser tests log in as. */
const E2E_ADMIN = { email: 'e2e-admin@example.com', password: 'E2e-Admin-Pass-1' };

/** e2e-server.js's SQLite database (relative to the app), where a browser test sets up what no route can. */
const E2E_DATABASE = '.tmp/e2e/data.db';

module.exports = { E2E_ADMIN, E2E_DATABASE };
