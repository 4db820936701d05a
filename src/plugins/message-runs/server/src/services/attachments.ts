import fs from 'fs/promises';
import path from 'path';
import yazl from 'yazl';
import type { Core } from '@strapi/strapi';
import type { InvoiceDocument, MediaFile } from '../data/message-context';
import type { Attachment } from '../domain/message';

/** A media library file's bytes, through the upload provider: its (signed) URL, or the public folder it serves. */
async function readMediaFile(strapi: Core.Strapi, file: MediaFile): Promise<Buffer> {
  const signed = await strapi.plugin('upload').service('file').signFileUrls(file);
  if (/^https?:\/\//.test(signed.url)) {
    const response = await fetch(signed.url);
    if (!response.ok) throw new Error(`${file.name}: ${response.status} ${response.statusText} from the upload provider`);
    return Buffer.from(await response.arrayBuffer());
  }
  // The local provider serves its files from the app's public folder under their URL path.
  const urlPath = decodeURIComponent(signed.url.split('?')[0]);
  try {
    return await fs.readFile(path.join(strapi.dirs.static.public, urlPath));
  } catch (error) {
    // Name the file and its URL, not the server's folders.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${file.name}: the upload provider has no file at ${urlPath}`);
    throw error;
  }
}

/** The bytes of one transformation result: its media file, or its inline content. */
export async function toAttachment(strapi: Core.Strapi, document: InvoiceDocument): Promise<Attachment> {
  if (document.file) {
    return { filename: document.file.name, contentType: document.file.mime, content: await readMediaFile(strapi, document.file) };
  }
  return { filename: document.fileName ?? '', contentType: document.mimeType ?? '', content: Buffer.from(document.content ?? '', 'utf8') };
}

/** Puts the attachments in one zip file, names made unique. */
export function zipAttachments(attachments: Attachment[], filename: string): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    const used = new Map<string, number>();
    for (const attachment of attachments) {
      const seen = used.get(attachment.filename) ?? 0;
      used.set(attachment.filename, seen + 1);
      const name = seen ? attachment.filename.replace(/(\.[^.]*)?$/, (ext) => ` (${seen + 1})${ext}`) : attachment.filename;
      zip.addBuffer(attachment.content, name);
    }
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve({ filename, contentType: 'application/zip', content: Buffer.concat(chunks) }));
    zip.end();
  });
}
