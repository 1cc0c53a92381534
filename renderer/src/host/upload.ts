import { HostError, type ChooseOptions, type UploadProgress } from './types';
import type { Uploader } from './web';

/** One HTTP exchange; the default uses XMLHttpRequest because fetch reports no upload progress. */
export type HttpSend = (request: {
  method: 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body: Blob | string | null;
  onUploadProgress?: (loaded: number) => void;
}) => Promise<{ status: number; text: string }>;

export const xhrSend: HttpSend = (request) =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(request.method, request.url);
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
    if (request.onUploadProgress) {
      const report = request.onUploadProgress;
      xhr.upload.onprogress = (event) => report(event.loaded);
    }
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
    xhr.onerror = () => reject(new HostError('upload-failed', `${request.method} ${request.url}: the server could not be reached`));
    xhr.send(request.body);
  });

/** The path the server stores a file under: folders included for a folder pick. */
export function relativePath(file: File): string {
  return file.webkitRelativePath || file.name;
}

function failure(what: string, response: { status: number; text: string }): HostError {
  let message = response.text.slice(0, 300);
  try {
    const body = JSON.parse(response.text) as { error?: { code?: string; message?: string }; message?: string };
    message = body.error?.message ?? body.message ?? message;
    if (body.error?.code) return new HostError(body.error.code, `${what}: ${message}`);
  } catch {
    // not JSON: keep the text
  }
  return new HostError('upload-failed', `${what}: HTTP ${response.status}${message ? ` — ${message}` : ''}`);
}

/** POST /api/uploads for an id, then PUT each file's bytes under its relative path. */
export async function uploadFiles(
  files: File[],
  token: string,
  onProgress: (progress: UploadProgress) => void,
  send: HttpSend = xhrSend,
): Promise<string> {
  const headers = { 'X-Workbench-Token': token };
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  const progress: UploadProgress = { files: files.length, filesDone: 0, bytes, bytesDone: 0 };
  onProgress({ ...progress });
  const created = await send({ method: 'POST', url: '/api/uploads', headers, body: null });
  if (created.status < 200 || created.status >= 300) throw failure('starting the upload', created);
  let uploadId: string;
  try {
    uploadId = String((JSON.parse(created.text) as { uploadId: unknown }).uploadId);
  } catch {
    throw new HostError('upload-failed', `starting the upload: the server answered ${created.text.slice(0, 100)}, not {uploadId}`);
  }
  for (const file of files) {
    const path = relativePath(file);
    const before = progress.bytesDone;
    const response = await send({
      method: 'PUT',
      url: `/api/uploads/${encodeURIComponent(uploadId)}/${encodeURIComponent(path)}`,
      headers: { ...headers, 'Content-Type': 'application/octet-stream' },
      body: file,
      onUploadProgress: (loaded) => onProgress({ ...progress, bytesDone: before + loaded }),
    });
    if (response.status < 200 || response.status >= 300) throw failure(`uploading ${path}`, response);
    progress.filesDone += 1;
    progress.bytesDone = before + file.size;
    onProgress({ ...progress });
  }
  return uploadId;
}

/** A hidden file input; resolves null when the user cancels. */
export function pickFiles(kind: 'file' | 'folder', options: ChooseOptions = {}): Promise<File[] | null> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.hidden = true;
    if (kind === 'folder') input.webkitdirectory = true;
    else input.multiple = options.multiple ?? true;
    if (options.accept) input.accept = options.accept;
    let settled = false;
    const finish = (files: File[] | null): void => {
      if (settled) return;
      settled = true;
      input.remove();
      resolve(files);
    };
    input.addEventListener('change', () => finish(input.files && input.files.length > 0 ? [...input.files] : null));
    input.addEventListener('cancel', () => finish(null));
    document.body.append(input);
    input.click();
  });
}

export function browserUploader(token: string, send: HttpSend = xhrSend): Uploader {
  return { pick: pickFiles, upload: (files, onProgress) => uploadFiles(files, token, onProgress, send) };
}
