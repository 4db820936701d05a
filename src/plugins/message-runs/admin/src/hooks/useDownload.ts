import * as React from 'react';
import { downloadFile } from '../utils/download';

/**
 * A download button's state: `busy` while the file comes, `problem` why the last download failed,
 * in the server's words when it gave them, else `describe(status)`.
 */
export function useDownload(describe: (status: number) => string) {
  const [busy, setBusy] = React.useState(false);
  const [problem, setProblem] = React.useState<string>();
  const download = async (url: string, fallbackName: string) => {
    setBusy(true);
    setProblem(undefined);
    setProblem(await downloadFile(url, { fallbackName, describe }));
    setBusy(false);
  };
  return { download, busy, problem };
}
