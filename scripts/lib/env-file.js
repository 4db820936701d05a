'use strict';

const fs = require('fs');
const path = require('path');
const dotenv = require('dotenv');

const { freshSecrets } = require('./secrets');

/**
 * Writes `<appDir>/.env` with new secrets unless it exists (an existing one is never touched:
 * changing the secrets would log every admin out and break encrypted values). Returns whether it
 * wrote the file.
 */
function ensureEnvFile(appDir) {
  const file = path.join(appDir, '.env');
  if (fs.existsSync(file)) {
    return false;
  }
  const lines = Object.entries({ HOST: '0.0.0.0', PORT: '1337', ...freshSecrets() }).map(([name, value]) => `${name}=${value}`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  return true;
}

/** Loads `.env` into process.env the way Strapi does; variables already set win. */
const loadEnvFile = (appDir) => dotenv.config({ path: path.join(appDir, '.env') });

module.exports = { ensureEnvFile, loadEnvFile };
