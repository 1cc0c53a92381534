/**
 * Saving a file the renderer holds (a figure, a CSV, a JSON, an exported model): a Blob behind an
 * object URL, clicked through a hidden `<a download>`. A browser tab saves it as a download; the
 * Electron window, which sets no download path, asks where with its save dialog. No host call, no Node.
 */

/** How long the object URL outlives the click: revoking it at once can cancel the download. */
export const REVOKE_AFTER_MS = 60_000;

export const MIME = {
  csv: 'text/csv;charset=utf-8',
  json: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
} as const;

export function downloadBlob(fileName: string, blob: Blob, doc: Document = document): void {
  const url = URL.createObjectURL(blob);
  const link = doc.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.style.display = 'none';
  doc.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
  }
}

/** Text (CSV, JSON, SVG) as a UTF-8 file of the given type. */
export function downloadText(fileName: string, text: string, type: string, doc: Document = document): void {
  downloadBlob(fileName, new Blob([text], { type }), doc);
}

/** Bytes (a model bundle, an HDF5 file) as a file of the given type. */
export function downloadBytes(fileName: string, bytes: Uint8Array, type: string, doc: Document = document): void {
  downloadBlob(fileName, new Blob([bytes as Uint8Array<ArrayBuffer>], { type }), doc);
}
