/**
 * A study's tables as CSV (engine/export/csv.ts, the writer every download shares): the summary,
 * one row per setting with the paper's numbers beside ours, and the cells, one row per run.
 * Accuracies are fractions, as in every other CSV of the app.
 */
import { toCsv } from '../../../../engine/export/csv';
import type { StudySummary } from '../../../../main/contract';
import { runMean } from '../../charts/studies';

const settingAxes = (study: StudySummary): string[] => study.axes.filter((p) => p !== 'seed');

export function studySummaryCsv(study: StudySummary): string {
  const axes = settingAxes(study);
  return toCsv(
    [...axes, 'runs', 'completed', `mean (last ${study.lastEpochs} epochs)`, 'spread over seeds', 'min', 'max', 'paper mean', 'paper min', 'paper max', 'paper source'],
    study.groups.map((g) => [
      ...axes.map((p) => g.values[p]),
      g.runs, g.completed, g.mean, g.spread, g.min, g.max,
      g.paper?.mean, g.paper?.interval?.[0], g.paper?.interval?.[1], g.paper?.source,
    ]),
  );
}

export function studyCellsCsv(study: StudySummary): string {
  const axes = study.axes;
  const epochs = Math.max(0, ...study.cells.map((c) => c.testAccuracy.length));
  return toCsv(
    ['cell', ...axes.filter((p) => p !== 'seed'), 'seed', 'run', 'status', `mean (last ${study.lastEpochs} epochs)`, ...Array.from({ length: epochs }, (_, e) => `test accuracy epoch ${e + 1}`)],
    study.cells.map((c) => [
      c.index + 1, ...axes.filter((p) => p !== 'seed').map((p) => c.values[p]), c.seed, c.runId, c.status ?? 'deleted', runMean(c, study.lastEpochs),
      ...Array.from({ length: epochs }, (_, e) => c.testAccuracy[e]),
    ]),
  );
}

/** `study-3-stbp-vs-sdbp-quick`: the stem of every file a study exports. */
export function studyFileStem(study: Pick<StudySummary, 'id' | 'name'>): string {
  return `study-${study.id}-${study.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-|-$/g, '')}`;
}
