/**
 * The private archive folder (`archiveDir`), shared by the mail thread, which appends a sent message's
 * bytes, and the archive service, which reads them and drops expired days. Nothing serves this folder:
 * unlike the upload provider's `public/uploads`, it is never reachable over HTTP.
 *
 * Messages are appended to segment files, one per mail thread and day sent (UTC):
 * `<day>/<pid>-<thread>-<opened, base 36>.log`. A message's archive key is `folder:` and
 * `<segment>:<offset>:<length>`. Appending costs one write of the bytes; a file per message cost about
 * 1.5 ms of file-system work each (2,000 files of 42 KB took 2,955 ms), which took a third off
 * delivery throughput on a 2-core machine. A day folder holds only messages sent that day, so retention
 * drops whole days; that also takes bytes no result names (a message the server refused after its
 * bytes were appended, a resend's earlier message, a deleted run's messages).
 */
import fs from 'fs/promises';
import path from 'path';
import { threadId } from 'worker_threads';

export const FOLDER_KEY = 'folder:';
const DAY_FOLDER = /^\d{4}-\d{2}-\d{2}$/;
const KEY_SHAPE = /^folder:(\d{4}-\d{2}-\d{2}\/\d+-\d+-[0-9a-z]+\.log):(\d+):(\d+)$/;

/** The segment this thread appends to: only this thread writes it, one write at a time. */
let segment: { day: string; name: string; handle: fs.FileHandle; size: number } | undefined;
let lastWrite: Promise<unknown> = Promise.resolve();

async function append(root: string, bytes: Uint8Array, now: Date) {
  const day = now.toISOString().slice(0, 10);
  if (segment?.day !== day) {
    await segment?.handle.close();
    segment = undefined;
    await fs.mkdir(path.join(root, day), { recursive: true });
    const name = `${day}/${process.pid}-${threadId}-${Date.now().toString(36)}.log`;
    segment = { day, name, handle: await fs.open(path.join(root, name), 'a'), size: 0 };
  }
  const current = segment;
  try {
    const { bytesWritten } = await current.handle.write(bytes, 0, bytes.length);
    if (bytesWritten !== bytes.length) throw new Error(`wrote ${bytesWritten} of ${bytes.length} bytes`);
  } catch (error) {
    // The segment's end is unknown now: the next message starts a new one.
    segment = undefined;
    await current.handle.close().catch(() => undefined);
    throw error;
  }
  const offset = current.size;
  current.size += bytes.length;
  return `${FOLDER_KEY}${current.name}:${offset}:${bytes.length}`;
}

/** Appends `bytes` and returns their archive key. Writes are taken one at a time, in call order. */
export function writeToArchiveFolder(root: string, bytes: Uint8Array, now: Date): Promise<string> {
  const written = lastWrite.then(() => append(root, bytes, now));
  lastWrite = written.catch(() => undefined);
  return written;
}

/** Closes this thread's segment (the thread is ending). */
export async function closeArchiveFolder() {
  await lastWrite;
  await segment?.handle.close();
  segment = undefined;
}

/** Where a folder key's bytes are, or undefined for a key that is not one of this folder's. */
export function archiveFolderPlace(root: string, key: string) {
  const match = KEY_SHAPE.exec(key);
  if (!match) return undefined;
  return { file: path.join(root, match[1]), day: match[1].slice(0, 10), offset: Number(match[2]), length: Number(match[3]) };
}

/** A kept message's bytes, or undefined when its segment is gone (its day was dropped). */
export async function readFromArchiveFolder(root: string, key: string) {
  const place = archiveFolderPlace(root, key);
  if (!place) throw new Error('an archive key that names no archived message');
  const handle = await fs.open(place.file, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!handle) return undefined;
  try {
    const bytes = Buffer.alloc(place.length);
    const { bytesRead } = await handle.read(bytes, 0, place.length, place.offset);
    // A segment cut short gives what is left, which then fails the SHA-256 check.
    return bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Deletes the day folders before `cutoff`'s day (whole days only); a folder already gone is no error. */
export async function dropArchiveDaysBefore(root: string, cutoff: Date) {
  const days = await fs.readdir(root).catch((error) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [] as string[];
    throw error;
  });
  const expired = days.filter((day) => DAY_FOLDER.test(day) && day < cutoff.toISOString().slice(0, 10));
  for (const day of expired) await fs.rm(path.join(root, day), { recursive: true, force: true });
  return expired.length;
}
