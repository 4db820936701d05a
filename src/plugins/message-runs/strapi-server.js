'use strict';

// Strapi loads a plugin's server entry with a loader that reads only .js and .json files, so
// this shim hands it the server code that the app's own `tsc` compiles into dist/.
const path = require('path');

module.exports = require(
  path.join(__dirname, '..', '..', '..', 'dist', 'src', 'plugins', 'message-runs', 'server', 'src')
).default;
