/**
 * `stbp datasets emulate-events <dataset> --name <name>`: records an image dataset of the store with
 * the event-camera emulator (main/services/emulate-events.ts) into a new event dataset. Ctrl-C
 * cancels it; nothing is stored until every image is recorded.
 */
import type { EmulationParams } from '../../engine/data/emulate-events';
import { EngineError } from '../../engine/errors';
import { describeDataset } from '../services/datasets';
import { emulateEventDataset, emulationOf, type EmulationProgress } from '../services/emulate-events';
import type { Store } from '../store/db';
import { need, num } from './args';
import type { CliValues } from './options';
import { ProgressLine } from './progress';

export const EMULATE_USAGE = 'stbp datasets emulate-events <image dataset> --name <name> [--limit n] [--threshold x] [--refractory-us n] [--seed n]';

export async function emulateEventsCommand(store: Store, args: string[], values: CliValues): Promise<number> {
  const dataset = need(args[0], 'the image dataset to record (see stbp datasets list)', EMULATE_USAGE);
  const name = values.name;
  if (!name) throw new EngineError('bad-option', `datasets emulate-events needs --name <name>; usage: ${EMULATE_USAGE}`);
  const params: Partial<EmulationParams> = {};
  const set = <K extends keyof EmulationParams>(key: K, v: number | undefined) => v !== undefined && (params[key] = v);
  set('threshold', num('threshold', values.threshold, false));
  set('refractoryUs', num('refractory-us', values['refractory-us'], true));
  set('seed', num('seed', values.seed, true));
  const limit = num('limit', values.limit, true);

  const abort = new AbortController();
  const cancel = () => abort.abort();
  process.once('SIGINT', cancel);
  const bar = new ProgressLine(process.stdout.isTTY === true && values.quiet !== true);
  const log = logEveryTenth(process.stdout.isTTY !== true && values.quiet !== true);
  try {
    const row = await emulateEventDataset(store, { dataset, name, ...(limit !== undefined && { limit }), params }, {
      signal: abort.signal,
      onProgress: (p) => {
        if (p.storing) bar.update(p.storing.chunks / p.storing.of, `storing: ${p.storing.chunks}/${p.storing.of} chunks`);
        else {
          bar.update(p.done / p.total, progressText(p));
          log(p);
        }
      },
    });
    bar.clear();
    const record = emulationOf(row)!;
    const images = row.splits.train + row.splits.test;
    console.log(
      `emulated ${images} recordings in ${record.seconds.toFixed(1)} s (${(images / record.seconds).toFixed(0)} images/s); ` +
        `mean events per recording: ${record.meanEvents.train} train, ${record.meanEvents.test} test`,
    );
    console.log(describeDataset(row));
    console.log(`  emulator: ${JSON.stringify(record.params)}`);
    return 0;
  } finally {
    bar.clear();
    process.removeListener('SIGINT', cancel);
  }
}

function progressText(p: EmulationProgress): string {
  const rate = p.seconds > 0 ? p.done / p.seconds : 0;
  const eta = rate > 0 ? (p.total - p.done) / rate : 0;
  return `${p.done}/${p.total} images (${p.split}), ${(p.events / Math.max(1, p.done)).toFixed(0)} events each, ${rate.toFixed(0)}/s, ${eta.toFixed(0)} s left`;
}

/** Without a terminal (a log file): one line at every tenth of the way. */
function logEveryTenth(enabled: boolean): (p: EmulationProgress) => void {
  let next = 0.1;
  return (p) => {
    if (!enabled || p.done / p.total < next) return;
    console.log(progressText(p));
    next = Math.floor((p.done / p.total) * 10 + 1) / 10;
  };
}
