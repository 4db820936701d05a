import fs from 'fs';
import path from 'path';
import dotenv from 'dotenv';

import { freshSecrets } from './secrets';

/**
 * Writes `<appDir>/.env` with new secrets unless it exists (an existing one is never touched:
 * changing the secrets would log every admin out and break encrypted values). Returns whether it
 * wrote the file.
 */
export function ensureEnvFile(appDir: string) {
  const file = path.join(appDir, '.env');
  if (fs.existsSync(file)) {
    return false;
  }
  const lines = Object.entries({ HOST: '0.0.0.0', PORT: '1337', ...freshSecrets() }).map(([name, value]) => `${name}=${value}`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  return true;
}

/** Loads `.env` into process.env the way Strapi does; variables already set win. */
export const loadEnvFile = (appDir: string) => dotenv.config({ path: path.join(appDir, '.env') });
