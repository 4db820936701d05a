/**
 * The private archive folder (`archiveDir`), shared by the mail thread, which writes a sent message's
 * bytes, and the archive service, which reads and deletes them. Nothing serves this folder: unlike the
 * upload provider's `public/uploads`, it is never reachable over HTTP.
 *
 * A file is `<day sent, UTC>/<result id>-<sha256>.eml`: a folder per day keeps folders small and lets
 * retention drop whole days (which also takes copies no result names any more: a resend's earlier
 * message, a deleted run's messages). Its archive key is `folder:` and that relative path.
 */
import fs from 'fs/promises';
import path from 'path';

export const FOLDER_KEY = 'folder:';
const DAY_FOLDER = /^\d{4}-\d{2}-\d{2}$/;

/** Folders made by this process: a message in a known day's folder needs no mkdir. */
const madeFolders = new Set<string>();

/** Writes `bytes` and returns their archive key. */
export async function writeToArchiveFolder(root: string, bytes: Uint8Array, resultId: number, sha256: string, now: Date) {
  const day = now.toISOString().slice(0, 10);
  const folder = path.join(root, day);
  const name = `${day}/${resultId}-${sha256}.eml`;
  const write = () => fs.writeFile(path.join(root, name), bytes);
  if (!madeFolders.has(folder)) {
    await fs.mkdir(folder, { recursive: true });
    madeFolders.add(folder);
  }
  await write().catch(async (error) => {
    // Someone removed the folder since it was made here.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await fs.mkdir(folder, { recursive: true });
    await write();
  });
  return `${FOLDER_KEY}${name}`;
}

/** The file of a folder key, or undefined for a key that is not one of this folder's names. */
export function archiveFolderFile(root: string, key: string) {
  const name = key.slice(FOLDER_KEY.length);
  if (!key.startsWith(FOLDER_KEY) || !/^\d{4}-\d{2}-\d{2}\/\d+-[0-9a-f]{64}\.eml$/.test(name)) return undefined;
  return path.join(root, name);
}

/** Deletes the day folders before `cutoff` (whole days only); a folder already gone is no error. */
export async function dropArchiveDaysBefore(root: string, cutoff: Date) {
  const lastDropped = new Date(cutoff.getTime() - 24 * 3600 * 1000).toISOString().slice(0, 10);
  const days = await fs.readdir(root).catch((error) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [] as string[];
    throw error;
  });
  const expired = days.filter((day) => DAY_FOLDER.test(day) && day <= lastDropped);
  for (const day of expired) {
    await fs.rm(path.join(root, day), { recursive: true, force: true });
    madeFolders.delete(path.join(root, day));
  }
  return expired.length;
}
