import type { Rng } from '../rng';
import { augmentationError } from './check';
import { blurSeparable, gaussianKernel } from './gaussian';
import type { Augmentation, AugmentationKind, ElasticConfig, ImageShape } from './types';
import { warpBilinear } from './warp';

/**
 * Elastic distortion (Simard, Steinkraus & Platt 2003, "Best practices for convolutional neural
 * networks applied to visual document analysis", §2), the preprocessing the STBP paper cites for
 * its Table V CNN without giving values:
 *
 *     Δx, Δy ~ U[−1, 1] per pixel, independently
 *     Δx ← α · (G_σ ∗ Δx),   Δy ← α · (G_σ ∗ Δy)        (G_σ: Gaussian of std σ pixels)
 *     dst(x, y) = src(x + Δx, y + Δy)                    (bilinear, 0 outside)
 *
 * σ sets how smooth the warp is (small σ: random jitter; large: nearly a translation), α its
 * strength in pixels before smoothing shrinks it. Simard's MNIST values: σ = 4, α = 34.
 */
export const SIMARD_MNIST: ElasticConfig = { name: 'elastic', alpha: 34, sigma: 4 };

/** Largest σ accepted: 100 px already smooths any image to a near-translation. */
export const MAX_ELASTIC_SIGMA = 100;

/**
 * Draws one displacement field into `dx`, `dy` ([rows, cols] each, pixels): uniform draws, all of
 * Δx then all of Δy in row-major order, smoothed by `kernel` (see `gaussianKernel`) and scaled by α.
 * `work` is scratch of the same length.
 */
export function drawElasticField(
  rng: Rng, rows: number, cols: number, alpha: number, kernel: Float64Array,
  dx: Float32Array, dy: Float32Array, work: Float32Array,
): void {
  for (const field of [dx, dy]) {
    for (let i = 0; i < field.length; i++) field[i] = 2 * rng.uniform() - 1;
    blurSeparable(field, work, rows, cols, kernel);
    for (let i = 0; i < field.length; i++) field[i]! *= alpha;
  }
}

/** The augmentation; its field buffers are kept and reused while the image size stays the same. */
class ElasticDistortion implements Augmentation {
  readonly name = 'elastic';
  private readonly kernel: Float64Array;
  private dx = new Float32Array(0);
  private dy = new Float32Array(0);
  private work = new Float32Array(0);

  constructor(readonly config: ElasticConfig) {
    this.kernel = gaussianKernel(config.sigma);
  }

  apply(src: Uint8Array, dst: Uint8Array, shape: ImageShape, rng: Rng): void {
    const n = shape.rows * shape.cols;
    if (this.dx.length !== n) {
      this.dx = new Float32Array(n);
      this.dy = new Float32Array(n);
      this.work = new Float32Array(n);
    }
    drawElasticField(rng, shape.rows, shape.cols, this.config.alpha, this.kernel, this.dx, this.dy, this.work);
    warpBilinear(src, dst, shape, this.dx, this.dy);
  }
}

export const elastic: AugmentationKind<ElasticConfig> = {
  name: 'elastic',
  fields: ['alpha', 'sigma'],
  check({ alpha, sigma }) {
    if (!(typeof alpha === 'number' && Number.isFinite(alpha) && alpha >= 0)) {
      throw augmentationError('elastic', 'alpha', alpha, 'a finite number ≥ 0 (pixels; Simard: 34)');
    }
    if (!(typeof sigma === 'number' && Number.isFinite(sigma) && sigma > 0 && sigma <= MAX_ELASTIC_SIGMA)) {
      throw augmentationError('elastic', 'sigma', sigma, `a number > 0 and ≤ ${MAX_ELASTIC_SIGMA} (pixels; Simard: 4)`);
    }
  },
  create: (config) => new ElasticDistortion({ ...config }),
};
