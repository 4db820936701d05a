import { getFetchClient } from '@strapi/strapi/admin';
import { errorMessage } from './errors';

/** Saves a blob under `filename` through a temporary link (the browser's own download). */
function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}

/** The file name the server gave a download (Content-Disposition), the UTF-8 form first. */
function filenameOf(headers: Headers | undefined): string | undefined {
  const disposition = headers?.get('content-disposition') ?? '';
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  if (encoded) return decodeURIComponent(encoded);
  return /filename="([^"]+)"/i.exec(disposition)?.[1];
}

/** The server's message from a JSON error body fetched as a blob (none from, say, a proxy's page). */
async function reasonOf(body: Blob): Promise<string | undefined> {
  try {
    const message = JSON.parse(await body.text())?.error?.message;
    return typeof message === 'string' && message ? message : undefined;
  } catch {
    return undefined;
  }
}

interface DownloadOptions {
  /** The name when the server gives none. */
  fallbackName: string;
  params?: Record<string, unknown>;
  /** Why the download failed when the server does not say it (a proxy's page), by HTTP status. */
  describe: (status: number) => string;
}

/**
 * Downloads a file of the plugin's API (`paths` in services/api.ts) with the admin's JWT, which a plain
 * link would not carry, under the name the server gives it. Binary answers do not fit RTK Query's
 * cache, so files go through the fetch client. Resolves with why it failed (the server's words when it
 * gave them: a 404's JSON body says why there is no file), or undefined once saved.
 */
export async function downloadFile(url: string, { fallbackName, params, describe }: DownloadOptions) {
  try {
    // Errors come back as answers, for their JSON body; but a 401 throws, for the fetch client to
    // renew the admin's session and ask again.
    const { data, status, headers } = await getFetchClient().get(url, {
      responseType: 'blob',
      params,
      validateStatus: (code) => code !== 401,
    });
    if (status === 200) {
      saveBlob(data, filenameOf(headers) ?? fallbackName);
      return undefined;
    }
    return (await reasonOf(data)) ?? describe(status ?? 0);
  } catch (error) {
    return errorMessage(error);
  }
}
