/**
 * CSV as RFC 4180 writes it: a header row, CRLF line ends, a field quoted when it holds a comma, a
 * double quote, CR or LF (or starts or ends with a space, which some readers would trim), quotes
 * inside doubled. The renderer's downloads and `stbp runs export --csv` share this writer, so the
 * same run gives the same bytes from the app and the CLI.
 */
import { EngineError } from '../errors';

/** One cell: text, a number, a boolean, or nothing (an empty field). */
export type CsvCell = string | number | boolean | null | undefined;

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/**
 * A number as the shortest text that reads back as the same double (ECMAScript's Number→String,
 * e.g. 0.1, 1e-7, 123456789012345680000); −0 keeps its sign. NaN is an empty field (a missing
 * value to pandas, R and spreadsheets); ±Infinity is written out, as Python, pandas and JS read it.
 */
export function csvNumber(x: number): string {
  if (Number.isNaN(x)) return '';
  if (Object.is(x, -0)) return '-0';
  return String(x);
}

export function csvField(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return csvNumber(cell);
  const text = String(cell);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header and every row, each ended by CRLF. Every row has as many cells as the header. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  if (header.length === 0) throw new EngineError('bad-csv', 'toCsv: the header is empty; allowed: at least one column');
  const lines = [header.map(csvField).join(',')];
  rows.forEach((row, i) => {
    if (row.length !== header.length) {
      throw new EngineError('bad-csv', `toCsv: row ${i} has ${row.length} cells; allowed: ${header.length}, one per column (${header.join(', ')})`);
    }
    lines.push(row.map(csvField).join(','));
  });
  return `${lines.join('\r\n')}\r\n`;
}
