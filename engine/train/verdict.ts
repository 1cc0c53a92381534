/**
 * Did a run learn? A run can end "completed" with nothing learnt: Adam at lr 50 drives membrane
 * potentials to ±16,000 against Vth 1.5, one output neuron fires at every step and the test
 * accuracy sits at chance. This reads what a run recorded (epoch figures, the first batch's loss,
 * the probe sample's potentials, firing rates) and says which of three it is, in words a user can
 * act on. Pure: the API, the CLI and the tests call it on stored figures.
 */

export type VerdictKind = 'ok' | 'not-learning' | 'diverged';

export interface Verdict {
  kind: VerdictKind;
  /** One line: the verdict, then the figures behind it, e.g. "diverged: test accuracy 8.5% (chance 10%), membrane up to 16,794 (Vth 1.5)". */
  message: string;
}

export interface VerdictLayer {
  /** How the user knows the layer, e.g. "layer 1 (dense 800)". */
  name: string;
  vth: number;
  /** The largest |u| of the probe sample in the latest probe (before reset), when recorded. */
  peakPotential?: number;
}

export interface VerdictInput {
  network: 'spiking' | 'twin';
  classes: number;
  /** Test samples per true class (the confusion matrix's row sums); uniform classes when absent. */
  testClassCounts?: readonly number[];
  /** Finished epochs, in order. */
  epochs: readonly { epoch: number; trainLoss: number; testAccuracy: number; firingRates: readonly number[] }[];
  /** The loss of the run's first batch: what the untrained network scored. */
  firstBatchLoss?: number;
  /** The last weights evaluated when the run stopped mid-epoch (newer than the last epoch's). */
  stopTestAccuracy?: number;
  /** The LIF layers, in order (firing rates are reported per LIF layer). */
  layers: readonly VerdictLayer[];
}

/** Potentials beyond this many thresholds are no longer integrate-and-fire: the weights have blown up (healthy runs stay within ~3 Vth). */
export const POTENTIAL_LIMIT = 100;
/** The first epoch's mean loss above the first batch's by this factor: the loss went up, not down. */
export const LOSS_RISE = 1.1;
/** A test accuracy this far below the run's best, after being well above chance: it collapsed. */
export const COLLAPSE = 0.25;

/**
 * The verdict, or null while there is nothing to judge (no finished epoch yet and no blown-up
 * potentials). Accuracy is judged against the best a constant guess can score (the largest class
 * share), with a margin of three binomial standard deviations for small test sets.
 */
export function runVerdict(input: VerdictInput): Verdict | null {
  const chance = 1 / Math.max(1, input.classes);
  const test = testSplit(input, chance);
  const last = input.epochs[input.epochs.length - 1];
  const accuracy = last ? (input.stopTestAccuracy ?? last.testAccuracy) : undefined;
  const blown = blownUpLayer(input.layers);
  if (accuracy === undefined) {
    return blown ? { kind: 'diverged', message: `diverged: ${potentialText(blown)}` } : null;
  }
  const accuracyText = `test accuracy ${pct(accuracy)} (chance ${pct(chance)})`;
  const atChance = accuracy <= test.constantGuess + test.margin;
  const rates = input.network === 'spiking' ? last!.firingRates : [];
  const saturated = input.layers.filter((_, i) => (rates[i] ?? 0) >= 0.99).map((l) => l.name);
  const silent = input.layers.filter((_, i) => rates[i] === 0).map((l) => l.name);
  const rise = lossRise(input);
  if (atChance) {
    const signs = [
      ...(blown ? [potentialText(blown)] : []),
      ...(rise ? [`loss rose from ${num(rise.from)} to ${num(rise.to)}`] : []),
      ...saturated.map((name) => `${name} fires at every step`),
    ];
    if (signs.length > 0) return { kind: 'diverged', message: `diverged: ${[accuracyText, ...signs].join(', ')}` };
    const why = [
      ...silent.map((name) => `${name} is silent`),
      ...(last && input.firstBatchLoss !== undefined ? [`loss ${num(input.firstBatchLoss)} → ${num(last.trainLoss)}`] : []),
    ];
    return { kind: 'not-learning', message: `not learning: ${[`${accuracyText} after ${plural(input.epochs.length, 'epoch')}`, ...why].join(', ')}` };
  }
  const best = input.epochs.reduce((b, e) => (e.testAccuracy > b.testAccuracy ? e : b), input.epochs[0]!);
  if (best.testAccuracy - accuracy >= COLLAPSE) {
    const signs = blown ? [potentialText(blown)] : [];
    return { kind: 'diverged', message: `diverged: ${[`test accuracy fell from ${pct(best.testAccuracy)} (epoch ${best.epoch}) to ${pct(accuracy)}`, ...signs].join(', ')}` };
  }
  return { kind: 'ok', message: `learning: ${accuracyText}` };
}

/** What a constant guess scores on the test set, and how far above it chance alone can land. */
function testSplit(input: VerdictInput, chance: number): { constantGuess: number; margin: number } {
  const counts = input.testClassCounts ?? [];
  const n = counts.reduce((a, b) => a + b, 0);
  const constantGuess = n > 0 ? Math.max(chance, ...counts.map((c) => c / n)) : chance;
  const margin = n > 0 ? Math.max(0.02, 3 * Math.sqrt((constantGuess * (1 - constantGuess)) / n)) : 0.02;
  return { constantGuess, margin };
}

/** The layer whose probe potential is furthest beyond its threshold, when beyond POTENTIAL_LIMIT thresholds. */
function blownUpLayer(layers: readonly VerdictLayer[]): VerdictLayer | undefined {
  let worst: VerdictLayer | undefined;
  for (const l of layers) {
    if (l.peakPotential === undefined || !(l.vth > 0)) continue;
    if (l.peakPotential > POTENTIAL_LIMIT * l.vth && (!worst || l.peakPotential / l.vth > worst.peakPotential! / worst.vth)) worst = l;
  }
  return worst;
}

/** The loss went up: the first epoch's mean above the first batch's, or a later epoch far above the best. */
function lossRise(input: VerdictInput): { from: number; to: number } | undefined {
  const losses = input.epochs.map((e) => e.trainLoss).filter(Number.isFinite);
  const last = losses[losses.length - 1];
  if (last === undefined) return undefined;
  if (input.firstBatchLoss !== undefined && last > input.firstBatchLoss * LOSS_RISE) return { from: input.firstBatchLoss, to: last };
  const lowest = Math.min(...losses);
  return last > lowest * 2 ? { from: lowest, to: last } : undefined;
}

function potentialText(l: VerdictLayer): string {
  return `membrane up to ${Math.round(l.peakPotential!).toLocaleString('en-US')} (Vth ${l.vth}) in ${l.name}`;
}

function pct(x: number): string {
  return `${+(x * 100).toFixed(1)}%`;
}

function num(x: number): string {
  return String(+x.toPrecision(3));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
