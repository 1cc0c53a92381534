import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { datasetsCommand } from '../../../main/cli/datasets-command';
import { emulateEventsCommand } from '../../../main/cli/emulate-command';
import { HELP, parseCli, type CliValues } from '../../../main/cli/options';
import { emulationOf } from '../../../main/services/emulate-events';
import { ensureMnist } from '../../../main/services/datasets';
import { getDataset } from '../../../main/store/datasets';
import type { Store } from '../../../main/store/db';
import { expectEngineError } from '../../helpers/errors';
import { useFileTemps } from '../services/temp';

const { tempStore } = useFileTemps();

/** What a command printed with console.log, line by line. */
function captured(): () => string[] {
  const spy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  return () => spy.mock.calls.map((c) => c.join(' '));
}
afterEach(() => vi.restoreAllMocks());

/** Flags as parseCli gives them, only the ones a case sets. */
const flags = (values: Partial<CliValues>): CliValues => values as CliValues;

describe('stbp datasets emulate-events', () => {
  let store: Store;
  beforeAll(async () => {
    store = tempStore();
    await ensureMnist(store);
  });

  it('is in the help, with its flags', () => {
    for (const word of ['datasets emulate-events', '--threshold', '--refractory-us', 'emulated']) expect(HELP).toContain(word);
  });

  it('records a slice with the given threshold, refractory time and seed, and says what it made', async () => {
    const { values, positionals } = parseCli(['datasets', 'emulate-events', 'mnist', '--name', 'emnist', '--limit', '6', '--threshold', '0.4', '--refractory-us', '500', '--seed', '9', '--quiet']);
    const lines = captured();
    expect(await datasetsCommand(store, positionals.slice(1), values)).toBe(0);
    const row = getDataset(store, 'emnist')!;
    expect(row.splits).toEqual({ train: 6, test: 6 });
    expect(emulationOf(row)!.params).toMatchObject({ threshold: 0.4, refractoryUs: 500, seed: 9 });
    const out = lines();
    expect(out[0]).toMatch(/^emulated 12 recordings in \d+\.\d s \(\d+ images\/s\); mean events per recording: \d+ train, \d+ test$/);
    expect(out[1]!.split('\n')[0]).toBe(`emnist (id ${row.id}): events, 34x34 sensor, 2 polarities (OFF, ON)`);
    expect(out.join('\n')).toContain('source:  emulated from dataset "mnist"');
    expect(out.join('\n')).toContain('"threshold":0.4');
  });

  it('refuses a missing dataset or name and bad numbers, naming the flag', async () => {
    await expectEngineError(emulateEventsCommand(store, [], flags({})), 'bad-command', 'missing the image dataset to record');
    await expectEngineError(emulateEventsCommand(store, ['mnist'], flags({})), 'bad-option', 'needs --name <name>');
    await expectEngineError(emulateEventsCommand(store, ['mnist'], flags({ name: 'x', threshold: 'high' })), 'bad-option', '--threshold is "high"; allowed: a number');
    await expectEngineError(emulateEventsCommand(store, ['mnist'], flags({ name: 'x', 'refractory-us': '0.5' })), 'bad-option', '--refractory-us is "0.5"; allowed: an integer');
    await expectEngineError(emulateEventsCommand(store, ['mnist'], flags({ name: 'x', threshold: '0' })), 'bad-option', 'emulateEvents: threshold is 0; allowed: a number from 0.05 to 5');
    expect(getDataset(store, 'x')).toBeUndefined();
  });
});
