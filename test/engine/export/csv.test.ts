import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { csvField, csvNumber, toCsv } from '../../../engine/export/csv';
import { expectEngineError } from '../../helpers/errors';

/** Python's csv module and float(): an independent RFC 4180 reader and number parser. */
const PYTHON = '/usr/bin/python3';
const hasPython = existsSync(PYTHON);
const READ_CSV = 'import csv, io, json, sys\nprint(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline="")))))';

function pythonRows(text: string): string[][] {
  return JSON.parse(execFileSync(PYTHON, ['-c', READ_CSV], { input: text, encoding: 'utf8' })) as string[][];
}

describe('csv fields', () => {
  it('leaves plain text alone and quotes commas, quotes, CR, LF and edge spaces (RFC 4180)', () => {
    expect(csvField('loss')).toBe('loss');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('padded ')).toBe('"padded "');
    expect(csvField('')).toBe('');
    expect(csvField('Ünïcødé ✓ 数字 🧠')).toBe('Ünïcødé ✓ 数字 🧠');
  });

  it('writes null, undefined and NaN as empty fields, booleans as words', () => {
    expect([null, undefined, Number.NaN].map(csvField)).toEqual(['', '', '']);
    expect([true, false].map(csvField)).toEqual(['true', 'false']);
  });

  it('prints each number as the shortest text that reads back as the same double', () => {
    expect(csvNumber(0.1)).toBe('0.1');
    expect(csvNumber(1 / 3)).toBe('0.3333333333333333');
    expect(csvNumber(1e-7)).toBe('1e-7');
    expect(csvNumber(-0)).toBe('-0');
    expect(csvNumber(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(csvNumber(-Number.MAX_VALUE)).toBe('-1.7976931348623157e+308');
    const values = [Math.PI, 0.1 + 0.2, 5e-324, 2 ** 53 + 2, -1.5e300, 0.9712, 123456.789, Math.fround(0.3), -0];
    for (const x of values) expect(Object.is(Number(csvNumber(x)), x)).toBe(true);
  });
});

describe('toCsv', () => {
  it('writes a header and the rows, each ended by CRLF', () => {
    expect(toCsv(['epoch', 'loss', 'note'], [[1, 0.5, 'ok'], [2, Number.NaN, 'a, b']])).toBe('epoch,loss,note\r\n1,0.5,ok\r\n2,,"a, b"\r\n');
    expect(toCsv(['only'], [])).toBe('only\r\n');
  });

  it('refuses a row whose length differs from the header, naming the row and the columns', async () => {
    await expectEngineError(() => toCsv(['a', 'b'], [[1, 2], [3]]), 'bad-csv', 'row 1 has 1 cells', 'allowed: 2', 'a, b');
    await expectEngineError(() => toCsv([], []), 'bad-csv', 'header is empty');
  });

  it.skipIf(!hasPython && !process.env.CI)('reads back cell for cell with Python csv and float() (needs /usr/bin/python3; skipped without it outside CI)', () => {
    const awkward = ['a,b', 'say "hi"', 'line\r\nbreak', 'lf\nonly', ' lead', 'trail ', 'Ünïcødé ✓ 数字 🧠', '', '""', ',', 'x'];
    const numbers = [0.1 + 0.2, 1e-7, -1.5e300, 5e-324, 2 ** 53 + 2, Math.PI, Number.NEGATIVE_INFINITY];
    const text = toCsv(['text', 'number', 'missing'], awkward.map((s, i) => [s, numbers[i % numbers.length]!, i % 2 ? null : Number.NaN]));
    const rows = pythonRows(text);
    expect(rows[0]).toEqual(['text', 'number', 'missing']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(awkward);
    expect(rows.slice(1).map((r) => r[2])).toEqual(awkward.map(() => ''));
    // The double Python parsed, printed by repr (shortest round trip) and read back here, is the one written.
    const script = `${READ_CSV.split('\n')[0]}\nrows = list(csv.reader(io.StringIO(sys.stdin.read(), newline="")))\nprint(json.dumps([repr(float(r[1])) for r in rows[1:]]))`;
    const floats = (JSON.parse(execFileSync(PYTHON, ['-c', script], { input: text, encoding: 'utf8' })) as string[]).map((s) => Number(s.replace('inf', 'Infinity')));
    expect(floats).toHaveLength(awkward.length);
    floats.forEach((x, i) => expect(Object.is(x, numbers[i % numbers.length])).toBe(true));
  });
});

