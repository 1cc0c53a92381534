import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkRegularFile, readRegularFile } from '../../../engine/data/regular-file-node';
import { expectEngineError } from '../../helpers/errors';
import { HOSTILE_WORDS, makeHostile, releaseHostiles, sparseFile, within, type HostileKind } from '../../helpers/hostile-files';

let dir: string;
const at = (name: string) => join(dir, name);
const opts = { what: 'test file', maxBytes: 100 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regular-file-node-'));
  writeFileSync(at('good'), 'hello');
  symlinkSync(at('good'), at('link-to-good'));
  symlinkSync(at('absent'), at('dangling'));
  mkdirSync(at('folder'));
  symlinkSync('/dev/null', at('null'));
});
afterEach(releaseHostiles);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readRegularFile', () => {
  it('reads a regular file, directly or through a symbolic link', async () => {
    expect((await readRegularFile(at('good'), opts)).toString()).toBe('hello');
    expect((await readRegularFile(at('link-to-good'), opts)).toString()).toBe('hello');
    expect(await checkRegularFile(at('good'), 'test file')).toBe(5);
  });

  it.each(['fifo', 'socket', 'dev-zero'] as HostileKind[])('refuses a %s at once, naming it and its kind', async (kind) => {
    const path = at(`hostile-${kind}`);
    await makeHostile(kind, path);
    await expectEngineError(within(readRegularFile(path, opts), 1000, kind), 'bad-data', `test file '${path}' ${HOSTILE_WORDS[kind]}, not a regular file; allowed: regular files only`);
  });

  it.each([
    ['folder', () => 'is a folder, not a regular file'],
    ['null', () => "is a symbolic link to '/dev/null', a character device, not a regular file"],
    ['dangling', () => `is a symbolic link to '${at('absent')}', which does not exist`],
    ['absent', () => 'does not exist'],
  ])('refuses %s, saying what it is', async (name, words) => {
    await expectEngineError(readRegularFile(at(name), opts), 'bad-data', `test file '${at(name)}' ${words()}`);
  });

  it('refuses a file past the cap before reading it, saying the cap', async () => {
    sparseFile(at('big'), 101);
    await expectEngineError(readRegularFile(at('big'), opts), 'bad-data', `test file '${at('big')}' is 101 bytes`, 'allowed: at most 100 bytes', 'for one test file');
    expect((await readRegularFile(at('big'), { ...opts, maxBytes: 101 })).length).toBe(101);
  });

  it('hints at a name that is not UTF-8 when one cannot be found', async () => {
    await expectEngineError(readRegularFile(at('caf\uFFFD'), opts), 'bad-data', 'does not exist', 'not UTF-8');
  });
});
