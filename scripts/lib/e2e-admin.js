'use strict';

/** The super admin that e2e-server.js seeds and the browser tests log in as. */
const E2E_ADMIN = { email: 'e2e-admin@example.com', password: 'E2e-Admin-Pass-1' };

module.exports = { E2E_ADMIN };
