import { beforeEach, describe, expect, it } from 'vitest';
import { HostError } from '../../../renderer/src/host/types';
import { useSpecsStore } from '../../../renderer/src/stores/specs';
import { MLP_SPEC, createTestHost, settle, storesWith, type TestHost } from '../helpers/test-host';

describe('specs store', () => {
  let host: TestHost;
  beforeEach(() => {
    host = createTestHost();
    host.presets = [{ name: 'mlp-800', description: 'the paper', spec: MLP_SPEC, train: { epochs: 20 } }];
    host.saved = [{ name: 'zeta', spec: MLP_SPEC, updatedAt: '' }, { name: 'alpha', spec: MLP_SPEC, updatedAt: '' }];
    storesWith(host);
  });

  it('loads presets and saved specs (sorted by name)', async () => {
    const store = useSpecsStore();
    await store.load();
    expect(store.presets.map((p) => p.name)).toEqual(['mlp-800']);
    expect(store.saved.map((s) => s.name)).toEqual(['alpha', 'zeta']);
    expect(store.preset('mlp-800')?.train).toEqual({ epochs: 20 });
  });

  it('saves under the given name (replacing) and deletes', async () => {
    const store = useSpecsStore();
    await store.load();
    await store.save('alpha', { ...MLP_SPEC, name: 'other' });
    expect(store.saved.map((s) => s.name)).toEqual(['alpha', 'zeta']);
    expect(host.calls.find((c) => c.method === 'saveSpec')!.args).toEqual(['alpha', { ...MLP_SPEC, name: 'alpha' }]);
    await store.remove('zeta');
    expect(store.saved.map((s) => s.name)).toEqual(['alpha']);
  });

  it('passes a refusal through and reloads on specs-changed', async () => {
    const store = useSpecsStore();
    await store.load();
    host.failNext('saveSpec', new HostError('bad-spec', 'layer 1 (dense): units is 0'));
    await expect(store.save('x', MLP_SPEC)).rejects.toMatchObject({ code: 'bad-spec' });
    expect(store.saved).toHaveLength(2);
    host.saved = [];
    host.emit({ type: 'specs-changed' });
    await settle();
    expect(store.saved).toEqual([]);
  });

  it('shows a load error', async () => {
    host.failNext('listPresets', new HostError('internal', 'presets folder missing'));
    const store = useSpecsStore();
    await store.load();
    expect(store.error).toBe('presets folder missing');
    expect(store.loaded).toBe(false);
  });
});
