import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { checkRelativePath, UploadArea } from '../../../main/web/uploads';
import { expectEngineError, engineError } from '../../helpers/errors';
import { useFileTemps } from '../services/temp';

const { tempDir } = useFileTemps();
const body = (text: string) => Readable.from([Buffer.from(text)]);

describe('upload area', () => {
  it('resolves one file to that file, one top folder to that folder, anything else to the upload folder', async () => {
    const root = tempDir('stbp-up-');
    const area = new UploadArea({ root });
    const single = await area.create();
    await area.write(single, 'data/recording.bin', body('abc'));
    expect(readFileSync(area.resolve(single), 'utf8')).toBe('abc');
    expect(area.resolve(single)).toMatch(/data[/\\]recording\.bin$/);

    const folder = await area.create();
    await area.write(folder, 'N-MNIST/Train/3/1.bin', body('1'));
    await area.write(folder, 'N-MNIST/Test/3/2.bin', body('2'));
    expect(existsSync(join(area.resolve(folder), 'Train', '3', '1.bin'))).toBe(true);

    const flat = await area.create();
    await area.write(flat, 'a', body('1'));
    await area.write(flat, 'b/c', body('2'));
    expect(existsSync(join(area.resolve(flat), 'b', 'c'))).toBe(true);

    const empty = await area.create();
    await expectEngineError(() => area.resolve(empty), 'bad-request', 'has no files yet');
    await expectEngineError(() => area.resolve('nope'), 'not-found', 'upload "nope" is unknown');

    const dir = area.resolve(folder);
    await area.release(folder);
    expect(existsSync(dir)).toBe(false);
    await expectEngineError(() => area.resolve(folder), 'not-found');
    expect(readdirSync(root)).toHaveLength(3);
    await area.dispose();
    expect(readdirSync(root)).toEqual([]);
  });

  it.each([
    ['', 'has 0 characters'],
    ['../x', "has a '..' segment"],
    ['a/../../x', "has a '..' segment"],
    ['./x', "has a '.' segment"],
    ['a//b', 'has an empty segment'],
    ['a/', 'has an empty segment'],
    ['/etc/passwd', 'is absolute'],
    ['C:/Windows', 'is absolute'],
    ['a\\b', "contains '\\\\'"],
    ['a\0b', 'contains a NUL character'],
    ['x'.repeat(1025), 'has 1025 characters'],
  ])('refuses the relative path %j', (path, why) => {
    const error = engineError(() => checkRelativePath(path));
    expect(error.code).toBe('bad-request');
    expect(error.message).toContain(why);
    expect(error.message).toContain('allowed: a relative path like');
  });

  it.each(['train-images-idx3-ubyte', 'Train/3/00012.bin', 'with space/é.png', '..hidden', 'a..b'])('accepts the relative path %j', (path) => {
    expect(checkRelativePath(path)).toBe(path);
  });
});
