'use strict';

const path = require('path');

/** The Strapi CLI script, to run with this Node directly: npx in between would not pass signals on. */
function strapiCli() {
  const manifest = require.resolve('@strapi/strapi/package.json');
  return path.join(path.dirname(manifest), require(manifest).bin);
}

module.exports = { strapiCli };
