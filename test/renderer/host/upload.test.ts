import { describe, expect, it } from 'vitest';
import { takeToken } from '../../../renderer/src/host/token';
import type { UploadProgress } from '../../../renderer/src/host/types';
import { uploadFiles, type HttpSend } from '../../../renderer/src/host/upload';

function fileAt(path: string, text: string): File {
  const file = new File([text], path.split('/').pop()!);
  if (path.includes('/')) Object.defineProperty(file, 'webkitRelativePath', { value: path });
  return file;
}

describe('uploads', () => {
  it('POSTs for an id, then PUTs each file under its encoded relative path with the token', async () => {
    const requests: { method: string; url: string; headers: Record<string, string>; size: number | null }[] = [];
    const send: HttpSend = async (r) => {
      requests.push({ method: r.method, url: r.url, headers: r.headers, size: r.body instanceof Blob ? r.body.size : null });
      r.onUploadProgress?.(1);
      return r.method === 'POST' ? { status: 201, text: '{"uploadId":"abc"}' } : { status: 204, text: '' };
    };
    const progress: UploadProgress[] = [];
    const id = await uploadFiles([fileAt('digits/3/a b.png', 'xyz'), fileAt('labels.txt', '12')], 'tok', (p) => progress.push(p), send);
    expect(id).toBe('abc');
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /api/uploads',
      `PUT /api/uploads/abc/${encodeURIComponent('digits/3/a b.png')}`,
      'PUT /api/uploads/abc/labels.txt',
    ]);
    expect(requests.every((r) => r.headers['X-Workbench-Token'] === 'tok')).toBe(true);
    expect(requests.slice(1).map((r) => r.size)).toEqual([3, 2]);
    expect(progress.at(-1)).toEqual({ files: 2, filesDone: 2, bytes: 5, bytesDone: 5 });
    expect(progress.some((p) => p.bytesDone === 4 && p.filesDone === 1)).toBe(true);
  });

  it('a refused file fails the upload with the server message', async () => {
    const send: HttpSend = async (r) =>
      r.method === 'POST' ? { status: 201, text: '{"uploadId":"u"}' } : { status: 413, text: '{"error":{"code":"too-large","message":"files over 1 GB"}}' };
    await expect(uploadFiles([fileAt('x.bin', 'a')], 't', () => {}, send)).rejects.toMatchObject({ code: 'too-large', message: 'uploading x.bin: files over 1 GB' });
    const unauthorized: HttpSend = async () => ({ status: 401, text: 'Unauthorized: bad token' });
    await expect(uploadFiles([fileAt('x.bin', 'a')], 't', () => {}, unauthorized)).rejects.toMatchObject({ code: 'upload-failed', message: expect.stringContaining('HTTP 401') });
  });
});

describe('token', () => {
  it('takes #token=… from the URL, keeps it in session storage and removes it from the address bar', () => {
    const stored = new Map<string, string>();
    const storage = { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v) };
    const replaced: string[] = [];
    const history = { replaceState: (_s: unknown, _t: string, url?: string | URL | null) => void replaced.push(String(url)) };
    expect(takeToken({ hash: '#token=a%2Bb', pathname: '/', search: '' }, storage, history)).toBe('a+b');
    expect(replaced).toEqual(['/']);
    expect(takeToken({ hash: '#/runs/3', pathname: '/', search: '' }, storage, history)).toBe('a+b');
    expect(takeToken({ hash: '#/designer&token=zz', pathname: '/app', search: '?x=1' }, storage, history)).toBe('zz');
    expect(replaced.at(-1)).toBe('/app?x=1#/designer');
  });
});
