/**
 * Builds the admin panel (`strapi build`, about a minute) only when the last build is older than
 * anything it is built from: the admin sources of the app and its plugins, and the lockfile.
 */
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const appDir = path.resolve(__dirname, '..', '..');
const builtIndex = path.join(appDir, 'dist', 'build', 'index.html');
const sources = ['src/admin', 'src/plugins', 'package-lock.json'].map((p) => path.join(appDir, p));

function newestChange(file) {
  if (!fs.existsSync(file)) return 0;
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(file).map((entry) => newestChange(path.join(file, entry))));
}

function adminBuildIsStale() {
  if (!fs.existsSync(builtIndex)) return true;
  const builtAt = fs.statSync(builtIndex).mtimeMs;
  return sources.some((source) => newestChange(source) > builtAt);
}

function ensureAdminBuild({ log = console.log } = {}) {
  if (!adminBuildIsStale()) {
    log('Admin panel: up to date');
    return;
  }
  log('Admin panel: building (strapi build, about a minute)…');
  const { status } = spawnSync('npx', ['strapi', 'build'], { cwd: appDir, stdio: 'inherit' });
  if (status !== 0) throw new Error(`strapi build failed with exit code ${status}`);
}

module.exports = { ensureAdminBuild };
