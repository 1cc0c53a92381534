import { describe, expect, it } from 'vitest';
import { deleteSpec, getSpec, listSpecs, requireSpec, saveSpec, SPEC_NAME_MAX } from '../../../main/store/specs';
import { engineError as thrown } from '../../helpers/errors';
import { countRows, useTempStores } from './temp-store';

const temp = useTempStores();
const MLP = { layers: [{ className: 'input', config: { shape: [784] } }, { className: 'output', config: { units: 10 } }] };
const WIDER = { layers: [{ className: 'input', config: { shape: [784] } }, { className: 'dense', config: { units: 64 } }, { className: 'output', config: { units: 10 } }] };

describe('specs', () => {
  it('are saved by name and read back as they were, listed by name', () => {
    const store = temp.open();
    const saved = saveSpec(store, 'mlp', MLP);
    expect(saved).toEqual({ name: 'mlp', spec: MLP, updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) });
    saveSpec(store, 'a wider one', WIDER);
    expect(listSpecs(store).map((s) => s.name)).toEqual(['a wider one', 'mlp']);
    expect(getSpec(store, 'mlp')?.spec).toEqual(MLP);
    expect(getSpec(store, 'nope')).toBeUndefined();
  });

  it('replace the spec of the same name (upsert), keeping one row', async () => {
    const store = temp.open();
    const first = saveSpec(store, 'mlp', MLP);
    await new Promise((r) => setTimeout(r, 5)); // a later timestamp
    const second = saveSpec(store, 'mlp', WIDER);
    expect(second.spec).toEqual(WIDER);
    expect(second.updatedAt > first.updatedAt).toBe(true);
    expect(countRows(store, 'specs')).toBe(1);
  });

  it('are deleted by name; an unknown name is refused naming the saved ones', () => {
    const store = temp.open();
    saveSpec(store, 'mlp', MLP);
    saveSpec(store, 'other', MLP);
    deleteSpec(store, 'mlp');
    expect(listSpecs(store).map((s) => s.name)).toEqual(['other']);
    const error = thrown(() => deleteSpec(store, 'mlp'));
    expect(error.code).toBe('unknown-spec');
    expect(error.message).toBe('unknown spec "mlp" (known: "other")');
    expect(thrown(() => requireSpec(temp.open(), 'x')).message).toContain('none saved yet');
  });

  it.each([
    ['', 'a non-empty string'],
    ['   ', 'a non-empty string'],
    [' padded ', 'without leading or trailing spaces'],
    ['x'.repeat(SPEC_NAME_MAX + 1), `1 to ${SPEC_NAME_MAX} characters`],
  ])('refuse the name %j, naming what is allowed, writing nothing', (name, allowed) => {
    const store = temp.open();
    const error = thrown(() => saveSpec(store, name, MLP));
    expect(error.code).toBe('bad-option');
    expect(error.message).toContain('saveSpec: name is');
    expect(error.message).toContain(allowed);
    expect(countRows(store, 'specs')).toBe(0);
  });

  it('refuse a spec that is not a JSON object', () => {
    const store = temp.open();
    expect(thrown(() => saveSpec(store, 'mlp', 'layers' as unknown as object)).message).toBe('saveSpec: spec is "layers"; allowed: a JSON object or array');
  });
});
