/** CSV as RFC 4180 writes it, with CRLF line ends. */

/** One field; a leading = + - @ (or tab, CR) is defused with a quote, so a spreadsheet does not run it as a formula. */
export const csvField = (value: unknown) => {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export const csvLine = (fields: unknown[]) => `${fields.map(csvField).join(',')}\r\n`;

/** A byte-order mark: Excel reads a CSV without one in the computer's code page ("SchÃ¤fer"). */
export const UTF8_BOM = '\ufeff';
