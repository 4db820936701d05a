/**
 * Compiles the app, loads Strapi (no HTTP server), seeds the demo data and the demo admin, and shuts
 * Strapi down. demo.ts runs this in a process of its own: strapi.destroy() removes every process
 * listener, Node's own signal wiring included, so the process that runs it cannot forward Ctrl+C.
 */

import { compileStrapi, createStrapi } from '@strapi/strapi';
import { demoAdminCredentials, ensureDemoAdmin } from './lib/admin-user';
import { seedDemoData } from './lib/seed';
import { log, timed } from './lib/log';

async function main() {
  const admin = demoAdminCredentials();
  const appContext = await timed('compiling', () => compileStrapi());
  const strapi = await timed('loading Strapi', () => createStrapi(appContext).load());
  try {
    // DEMO_CUSTOMER_COUNT: a smaller data set (the browser tests use one).
    const customerCount = process.env.DEMO_CUSTOMER_COUNT ? Number(process.env.DEMO_CUSTOMER_COUNT) : undefined;
    const created = await timed('seeding', () => seedDemoData(strapi, { log, customerCount }));
    const total = Object.values(created).reduce((sum, count) => sum + count, 0);
    log(total ? `seeded ${total} new records` : 'demo data already complete: nothing new');
    const adminCreated = await ensureDemoAdmin(strapi, admin);
    log(adminCreated ? `admin user ${admin.email} created` : `admin user ${admin.email} already exists (password unchanged)`);
  } finally {
    await strapi.destroy();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  }
);
