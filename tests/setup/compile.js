const { compileStrapi } = require('@strapi/strapi');

/** Compiles the app (server TypeScript, config, the plugin's server) into dist/ once for all suites. */
module.exports = async () => {
  await compileStrapi({ ignoreDiagnostics: true });
};
