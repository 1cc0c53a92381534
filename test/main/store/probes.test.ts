import { describe, expect, it } from 'vitest';
import type { Store } from '../../../main/store/db';
import { listExports, listProbes, probeEpochs, recordExport, saveProbe } from '../../../main/store/probes';
import { newRun, storeWithDataset as withDataset, useTempStores } from './temp-store';
import { engineError as thrown } from '../../helpers/errors';

const temp = useTempStores();
const storeWithDataset = (): Store => withDataset(temp.open());

describe('probes and exports', () => {
  it('are saved and listed per run, probes by kind', () => {
    const store = storeWithDataset();
    const id = newRun(store);
    const raster = Uint8Array.from({ length: 30 * 100 }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
    saveProbe(store, id, { epoch: 0, kind: 'raster', layer: 1, sample: 3, data: raster, meta: { shape: [30, 100], dtype: 'u8' } });
    saveProbe(store, id, { epoch: 0, kind: 'membrane', layer: 1, sample: 3, data: new Uint8Array(new Float32Array([0.1, 0.5]).buffer), meta: { shape: [2] } });
    const rasters = listProbes(store, id, { kind: 'raster' });
    expect(rasters).toHaveLength(1);
    expect(rasters[0]).toMatchObject({ runId: id, epoch: 0, kind: 'raster', layer: 1, sample: 3, meta: { shape: [30, 100], dtype: 'u8' } });
    expect(rasters[0]!.data).toEqual(raster);
    expect(listProbes(store, id).map((p) => p.kind)).toEqual(['raster', 'membrane']);
    saveProbe(store, id, { epoch: 2, kind: 'raster', layer: 1, data: raster, meta: {} });
    expect(probeEpochs(store, id, 'raster')).toEqual([0, 2]);
    expect(probeEpochs(store, id, 'membrane')).toEqual([0]);
    expect(listProbes(store, id, { epoch: 2 }).map((p) => `${p.kind}@${p.epoch}`)).toEqual(['raster@2']);
    expect(listProbes(store, id, { kind: 'membrane', epoch: 2 })).toEqual([]);
    expect(thrown(() => saveProbe(store, id, { epoch: 0, kind: 'spikes' as 'raster', data: raster, meta: {} })).message).toBe(
      'saveProbe: kind is "spikes"; allowed: raster, membrane, rates, confusion',
    );

    recordExport(store, id, { format: 'nir', path: '/tmp/net.nir' });
    recordExport(store, id, { format: 'bundle', path: '/tmp/net.json' });
    expect(listExports(store, id).map(({ format, path }) => ({ format, path }))).toEqual([
      { format: 'nir', path: '/tmp/net.nir' },
      { format: 'bundle', path: '/tmp/net.json' },
    ]);
  });
});
