import fs from 'fs';
import path from 'path';

/** The Strapi CLI script, to run with this Node directly: npx in between would not pass signals on. */
export function strapiCli() {
  const manifest = require.resolve('@strapi/strapi/package.json');
  const { bin } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { bin: string };
  return path.join(path.dirname(manifest), bin);
}
