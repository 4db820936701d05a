import fs from 'fs';
import path from 'path';

/** Newest modification time (ms) of the file or of any file below the folder; 0 if missing. */
function newestMtime(target: string): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs
    .readdirSync(target)
    .filter((name) => name !== 'node_modules')
    .reduce((newest, name) => Math.max(newest, newestMtime(path.join(target, name))), stat.mtimeMs);
}

/** What the admin bundle is built from: the app's admin, each plugin's admin, the dependencies. */
function adminSources(appDir: string) {
  const pluginsDir = path.join(appDir, 'src', 'plugins');
  const plugins = fs.existsSync(pluginsDir) ? fs.readdirSync(pluginsDir) : [];
  return [
    path.join(appDir, 'src', 'admin'),
    path.join(appDir, 'package-lock.json'),
    ...plugins.flatMap((plugin) =>
      ['admin', 'shared', 'strapi-admin.js'].map((entry) => path.join(pluginsDir, plugin, entry))
    ),
  ];
}

/** Whether dist/build (the built admin panel) is missing or older than any of its sources. */
export function adminBuildIsStale(appDir: string) {
  const builtIndex = path.join(appDir, 'dist', 'build', 'index.html');
  if (!fs.existsSync(builtIndex)) return true;
  const builtAt = fs.statSync(builtIndex).mtimeMs;
  return adminSources(appDir).some((source) => newestMtime(source) > builtAt);
}
