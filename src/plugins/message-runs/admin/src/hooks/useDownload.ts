import * as React from 'react';
import { useFetchClient } from '@strapi/strapi/admin';
import { filenameOf, saveBlob } from '../utils/download';
import { errorMessage } from './useApi';

/** The server's message from a JSON error body fetched as a blob (none from, say, a proxy's page). */
async function reasonOf(body: Blob): Promise<string | undefined> {
  try {
    const message = JSON.parse(await body.text())?.error?.message;
    return typeof message === 'string' && message ? message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Downloads a file of the plugin's API with the admin's JWT (which a plain link would not carry),
 * under the name the server gives it. `problem` is why the last download failed, in the server's words
 * when it gave them (a 404's JSON body says why there is no file), else `describe(status)`.
 */
export function useDownload(describe: (status: number) => string) {
  const { get } = useFetchClient();
  const [busy, setBusy] = React.useState(false);
  const [problem, setProblem] = React.useState<string>();
  const download = async (url: string, fallbackName: string) => {
    setBusy(true);
    setProblem(undefined);
    try {
      // Errors come back as answers, for their JSON body; but a 401 throws, for the fetch client to
      // renew the admin's session and ask again.
      const { data, status, headers } = await get(url, { responseType: 'blob', validateStatus: (code) => code !== 401 });
      if (status === 200) saveBlob(data, filenameOf(headers) ?? fallbackName);
      else setProblem((await reasonOf(data)) ?? describe(status ?? 0));
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };
  return { download, busy, problem };
}
