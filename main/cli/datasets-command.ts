import { EngineError } from '../../engine/errors';
import { DATASET_FORMATS, describeDataset, importDataset, previewSample } from '../services/datasets';
import { previewText } from './preview-text';
import type { Store } from '../store/db';
import { listDatasets, requireDataset } from '../store/datasets';
import { need, num } from './args';
import { emulateEventsCommand } from './emulate-command';
import type { CliValues } from './options';

const USAGE = 'stbp datasets list | show <name> [--sample N [--split train|test] [--T steps]] | import <format> [path] --name <name> [--width W --height H --channels 1|3 --test-fraction F] | emulate-events <dataset> --name <name> [--limit n]';

export async function datasetsCommand(store: Store, args: string[], values: CliValues): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list': {
      const rows = listDatasets(store);
      if (!rows.length) console.log('no datasets yet: MNIST is imported by the first `stbp train`, or `stbp datasets import mnist --name mnist`');
      for (const row of rows) console.log(describeDataset(row));
      return 0;
    }
    case 'show': {
      const row = requireDataset(store, need(rest[0], 'a dataset name', USAGE));
      const sample = num('sample', values.sample, true);
      if (sample === undefined) {
        console.log(describeDataset(row));
        console.log(`  meta: ${JSON.stringify(row.meta)}`);
        return 0;
      }
      const steps = num('T', values.T, true) ?? 30;
      const split = values.split === 'test' ? 'test' : values.split === undefined || values.split === 'train' ? 'train' : badSplit(values.split);
      console.log(previewText(previewSample(store, row.id, split, sample, { steps })));
      return 0;
    }
    case 'import': {
      const format = need(rest[0], `a format (${DATASET_FORMATS.map((f) => f.name).join(', ')})`, USAGE);
      const name = values.name;
      if (!name) throw new EngineError('bad-option', `datasets import needs --name <name>; usage: ${USAGE}`);
      const options: Record<string, unknown> = {};
      const set = (key: string, v: number | undefined) => v !== undefined && (options[key] = v);
      set('width', num('width', values.width, true));
      set('height', num('height', values.height, true));
      set('channels', num('channels', values.channels, true));
      set('testFraction', num('test-fraction', values['test-fraction'], false));
      const started = performance.now();
      const row = await importDataset(store, { format, name, path: rest[1], options });
      console.log(`imported in ${((performance.now() - started) / 1000).toFixed(1)} s: ${describeDataset(row)}`);
      return 0;
    }
    case 'emulate-events':
      return emulateEventsCommand(store, rest, values);
    default:
      throw new EngineError('bad-command', `unknown datasets command ${JSON.stringify(sub ?? '')} (known: list, show, import, emulate-events); usage: ${USAGE}`);
  }
}

function badSplit(split: string): never {
  throw new EngineError('bad-option', `--split is ${JSON.stringify(split)}; allowed: train, test`);
}
