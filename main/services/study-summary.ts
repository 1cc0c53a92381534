/**
 * A study's results as the paper reports them (Tables III–VII: "Mean" and "Interval*, results with
 * epochs [201, 210]"): for each setting, the test accuracy over the last epochs of every seed's run,
 * pooled: its mean, its lowest and highest value (the interval), and the spread over seeds (the
 * standard deviation of each run's own mean). Pure: cells in, rows out.
 */
import type { PaperReference, PaperResult, StudyCell, StudyGroup, StudyValue } from '../contract';
import { cellLabel } from './study-file';

/** The paper pools 10 of 210 epochs; a short run pools its last tenth (at least its last epoch). */
export function defaultLastEpochs(epochs: number): number {
  return Math.max(1, Math.min(10, Math.ceil(epochs / 10)));
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Sample standard deviation (n − 1); null below two values. */
export function sampleStd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

/** The setting a cell stands for: its axis values without the seed. */
function settingOf(cell: Pick<StudyCell, 'values'>): Record<string, StudyValue> {
  return Object.fromEntries(Object.entries(cell.values).filter(([path]) => path !== 'seed'));
}

/** The paper's result for a setting: the first whose every `where` entry the setting has. */
export function paperFor(setting: Record<string, StudyValue>, paper: PaperReference | undefined): PaperResult | null {
  return paper?.results?.find((r) => Object.entries(r.where).every(([path, v]) => setting[path] === v)) ?? null;
}

/** One row per setting, in the order of their first cells; only completed runs count. */
export function summarizeStudy(cells: readonly StudyCell[], lastEpochs: number, paper?: PaperReference): StudyGroup[] {
  const groups = new Map<string, StudyCell[]>();
  for (const cell of cells) {
    const key = JSON.stringify(settingOf(cell));
    groups.set(key, [...(groups.get(key) ?? []), cell]);
  }
  return [...groups.values()].map((members) => {
    const setting = settingOf(members[0]!);
    const done = members.filter((c) => c.status === 'completed' && c.testAccuracy.length > 0);
    const windows = done.map((c) => c.testAccuracy.slice(-lastEpochs));
    const pooled = windows.flat();
    const longest = Math.max(0, ...done.map((c) => c.testAccuracy.length));
    const curve = Array.from({ length: longest }, (_, e) => mean(done.filter((c) => c.testAccuracy.length > e).map((c) => c.testAccuracy[e]!)));
    return {
      values: setting,
      label: cellLabel(setting),
      runs: members.length,
      completed: done.length,
      mean: pooled.length ? mean(pooled) : null,
      spread: sampleStd(windows.map(mean)),
      min: pooled.length ? Math.min(...pooled) : null,
      max: pooled.length ? Math.max(...pooled) : null,
      curve,
      paper: paperFor(setting, paper),
    };
  });
}
