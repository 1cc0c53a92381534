import type { JobDataset } from './types';

/**
 * The files of a job's data/ folder, per split. Images are gzip IDX under MNIST's names (grey:
 * `[count, rows, cols]`, idx3; colour: `[count, rows, cols, channels]`, idx4), so `stbp datasets
 * import idx <job>/data` reads a grey set back. Event streams keep their N-MNIST 5-byte records:
 * `events` is u8 `[events, 5]` of all samples back to back and `offsets` i32 `[count + 1]` where
 * sample i's records start. Labels are u8 `[count]`. The same names are in data.py's dataset.json.
 */
export interface SplitFiles {
  labels: string;
  images?: string;
  events?: string;
  offsets?: string;
}

export const DATA_FOLDER = 'data';
export const DATASET_JSON = 'dataset.json';

export function splitFiles(kind: JobDataset['kind'], split: 'train' | 'test', channels: number): SplitFiles {
  const prefix = split === 'train' ? 'train' : 't10k';
  const labels = `${prefix}-labels-idx1-ubyte.gz`;
  if (kind === 'events') return { labels, events: `${prefix}-events-idx2-ubyte.gz`, offsets: `${prefix}-offsets-idx1-int.gz` };
  return { labels, images: channels === 1 ? `${prefix}-images-idx3-ubyte.gz` : `${prefix}-images-idx4-ubyte.gz` };
}

/** data/dataset.json: what data.py reads to find and shape the samples. */
export function datasetJson(d: JobDataset): string {
  const [channels] = d.sampleShape;
  const body = {
    name: d.name,
    kind: d.kind,
    shape: d.sampleShape,
    classes: d.classes,
    classNames: d.classNames,
    train: { count: d.train, ...splitFiles(d.kind, 'train', channels) },
    test: { count: d.test, ...splitFiles(d.kind, 'test', channels) },
  };
  return JSON.stringify(body, null, 2) + '\n';
}
