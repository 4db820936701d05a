import fs from 'fs/promises';
import path from 'path';
import { Readable } from 'stream';
import type { Core } from '@strapi/strapi';
import type { MessageRunsConfig } from '../config';
import { createRepositories } from '../data/repositories';
import { archiveFolderPlace, dropArchiveDaysBefore, FOLDER_KEY, readFromArchiveFolder } from './archive-folder';
import type { MailThreadOptions } from './mail-thread';

const UPLOAD_KEY = 'upload:';
/** Retention deletes this many messages per statement pair, and stops after this long (the next run goes on). */
const EXPIRY_BATCH = 500;
const EXPIRY_BUDGET_MS = 60_000;
/** Deletions through the upload provider under way at once (one request each to S3-like storage). */
const PROVIDER_DELETES_AT_ONCE = 16;
const DAY_MS = 24 * 3600 * 1000;

/** What an `upload:` key holds: the fields the upload provider needs to find the file again. */
interface UploadedFile {
  hash: string;
  ext: string;
  url: string;
  path?: string;
  provider_metadata?: unknown;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'ENOENT';

/**
 * The message archive (DESIGN.md §4, "The message as sent"): where the bytes of each sent message are
 * kept, read back and deleted after `archiveDays`. Two storages, named by each key's prefix so that a
 * change of `archiveStorage` leaves the earlier copies readable and deletable:
 * - `folder:` a private folder (`archiveDir`), written by the mail thread (services/archive-folder.ts);
 * - `upload:` Strapi's upload provider: with an S3 provider, the operator's bucket. The provider lives
 *   on this thread, so the mail thread posts the bytes back and the mailer service calls `upload`.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = () => strapi.config.get('plugin::message-runs') as MessageRunsConfig;
  const repositories = createRepositories(strapi);
  const folder = () => path.resolve(strapi.dirs.app.root, config().archiveDir);
  const provider = () => strapi.plugin('upload').provider;
  let expiring: Promise<number> | undefined;

  async function readUploaded(file: UploadedFile): Promise<Buffer | undefined> {
    // The local provider's URL is a path under the public folder; any other is fetched (signed when private).
    if (file.url.startsWith('/')) {
      return fs.readFile(path.join(strapi.dirs.static.public, file.url)).catch((error) => {
        if (isMissing(error)) return undefined;
        throw error;
      });
    }
    const url = (await provider().isPrivate()) ? (await provider().getSignedUrl(file)).url : file.url;
    const response = await fetch(url);
    if (response.status === 404 || response.status === 403) return undefined;
    if (!response.ok) throw new Error(`the upload storage answered ${response.status} for an archived message`);
    return Buffer.from(await response.arrayBuffer());
  }

  /**
   * Deletes the copies of `keys`, messages sent before `cutoff` (a day's start); a copy already gone is
   * no error. Returns the keys whose copy is gone. The folder's copies go with their whole day (one
   * appended just before midnight and recorded as sent just after waits for the next day's run).
   */
  async function remove(keys: string[], cutoff: Date) {
    await dropArchiveDaysBefore(folder(), cutoff);
    const cutoffDay = cutoff.toISOString().slice(0, 10);
    const removed = keys.filter((key) => key.startsWith(FOLDER_KEY) && (archiveFolderPlace(folder(), key)?.day ?? '') < cutoffDay);
    const uploadKeys = keys.filter((key) => key.startsWith(UPLOAD_KEY));
    for (let i = 0; i < uploadKeys.length; i += PROVIDER_DELETES_AT_ONCE) {
      await Promise.all(
        uploadKeys.slice(i, i + PROVIDER_DELETES_AT_ONCE).map((key) =>
          provider()
            .delete(JSON.parse(key.slice(UPLOAD_KEY.length)))
            .then(
              () => removed.push(key),
              // Kept for the next run: its key is not forgotten.
              (error: unknown) => strapi.log.warn(`[message-runs] deleting an archived message through the upload provider failed: ${error}`)
            )
        )
      );
    }
    return removed;
  }

  async function expire(now: Date) {
    // Whole days (UTC): the folder keeps a day's messages together, so a message goes at the end of
    // the day it turns `archiveDays` old.
    const cutoff = new Date(Math.floor((now.getTime() - config().archiveDays * DAY_MS) / DAY_MS) * DAY_MS);
    const deadline = Date.now() + EXPIRY_BUDGET_MS;
    let deleted = 0;
    for (;;) {
      const keys = await repositories.archive.findExpiredKeys(cutoff, EXPIRY_BATCH);
      // The copies go first: a run stopped between the two steps leaves keys to copies that are gone,
      // which the next run deletes again (harmlessly) and forgets; never a copy nothing names.
      const removed = await remove(keys, cutoff);
      await repositories.archive.forgetKeys(removed);
      deleted += removed.length;
      if (keys.length < EXPIRY_BATCH || removed.length < keys.length || Date.now() > deadline) break;
    }
    // Whole days past the cutoff also take the copies no result names any more (a resend's earlier
    // message, a deleted run's messages, a message whose outcome was never written).
    await dropArchiveDaysBefore(folder(), cutoff);
    return deleted;
  }

  return {
    /** How the mail thread keeps what it sends. */
    threadOptions(): MailThreadOptions['archive'] {
      const { archive, archiveStorage } = config();
      if (!archive) return {};
      return archiveStorage === 'upload' ? { returnBytes: true } : { folder: folder() };
    },

    /** Puts a sent message's bytes through the upload provider; returns its archive key. */
    async upload(bytes: Uint8Array, resultId: number, sha256: string) {
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const hash = `message-${resultId}-${sha256}`;
      // The file entity the upload provider takes; it sets `url` (and maybe `provider_metadata`) on it.
      const file: Omit<UploadedFile, 'url'> & { url?: string; name: string; mime: string; size: number; sizeInBytes: number; buffer: Buffer } = {
        name: `${hash}.eml`,
        hash,
        ext: '.eml',
        mime: 'message/rfc822',
        // Strapi's file sizes are in KB.
        size: Math.round((buffer.length / 1024) * 100) / 100,
        sizeInBytes: buffer.length,
        // A prefix of its own in a bucket, for the operator's access and lifecycle rules.
        path: 'message-archive',
        buffer,
      };
      const uploader = provider();
      if (uploader.upload) await uploader.upload(file);
      else await uploader.uploadStream({ ...file, stream: Readable.from(buffer) }).then(() => undefined);
      const kept: UploadedFile = { hash, ext: file.ext, url: file.url ?? '', path: file.path, provider_metadata: file.provider_metadata };
      return `${UPLOAD_KEY}${JSON.stringify(kept)}`;
    },

    /** The bytes kept under `key`, or undefined when they are no longer there. */
    async read(key: string): Promise<Buffer | undefined> {
      if (key.startsWith(UPLOAD_KEY)) return readUploaded(JSON.parse(key.slice(UPLOAD_KEY.length)));
      return readFromArchiveFolder(folder(), key);
    },

    /**
     * Retention: deletes the messages sent more than `archiveDays` ago, a batch at a time (one query
     * finds the batch, one UPDATE forgets its keys). Every instance runs it; two at once delete the
     * same copies and forget the same keys, which is harmless. Returns how many messages it deleted.
     */
    expire(now = new Date()): Promise<number> {
      expiring ??= expire(now).finally(() => {
        expiring = undefined;
      });
      return expiring;
    },

    /** The upload provider's local default writes into public/uploads, which Strapi serves to anyone. */
    warnIfPublic() {
      const { archive, archiveStorage } = config();
      const uploadProvider = (strapi.config.get('plugin::upload') as { provider?: string } | undefined)?.provider ?? 'local';
      if (archive && archiveStorage === 'upload' && uploadProvider === 'local') {
        strapi.log.warn(
          '[message-runs] MESSAGE_ARCHIVE_STORAGE=upload with the local upload provider: sent messages (personal data) are written to public/uploads, which anyone who has a URL can download. Configure a private S3-like provider, or use the private archive folder (MESSAGE_ARCHIVE_STORAGE=folder).'
        );
      }
    },
  };
};
