import { num, type NirFieldReader } from './nir-graph';

/**
 * Our LIF settings { vth, tau (the decay factor) } from a NIR LIF node (or a CubaLIF that is one),
 * read with time step dt. Forward Euler of NIR's τ·dv/dt = (v_leak − v) + r·I gives
 *     v[t] = (1 − dt/τ)·v[t−1] + s·I[t],   s = r·dt/τ,
 * our update with decay = 1 − dt/τ when v_leak = 0, v_reset = 0 and s = 1 (r = τ/dt, as
 * toNirGraph and snnTorch write it). With s ≠ 1 (s > 0) the membrane is s times ours, u = v/s, so
 * the same spikes come from a threshold of v_threshold/s: that is what is read (snnTorch's import
 * does the same), and said in the notes.
 *
 * A CubaLIF adds a synaptic current τ_syn·dI/dt = −I + w_in·S; with τ_syn = dt its Euler step is
 * I[t] = w_in·S[t], no memory, so it is a LIF with s = r·dt/τ_mem·w_in (snnTorch's Synaptic with
 * alpha = 0 writes exactly that). Any other τ_syn is refused: our neuron has no synaptic current.
 *
 * Each parameter may be a scalar, one value, or one per neuron (the layer's output shape); the
 * values must be equal for every neuron, as our layers share one setting.
 */
export function readLif(r: NirFieldReader, units: number, dt: number, notes: string[]): { vth: number; tau: number } {
  const cuba = r.has('tau_mem') || r.has('tau_syn');
  const one = (field: string, fallback?: number): number => {
    if (fallback !== undefined && !r.has(field)) return fallback;
    const { shape, values } = r.numbers(field);
    if (values.length !== 1 && values.length !== units) {
      throw r.fail(field, `of shape [${shape.join(', ')}]`, `a scalar or one value per neuron (${units})`);
    }
    const v = values[0]!;
    const spread = values.find((x) => !(Math.abs(x - v) <= 1e-6 * Math.abs(v)));
    if (spread !== undefined) throw r.fail(field, `different per neuron (${num(v)} and ${num(spread)})`, 'one value for every neuron of the layer');
    if (!Number.isFinite(v)) throw r.fail(field, String(v), 'a finite number');
    return v;
  };
  const tau = one(cuba ? 'tau_mem' : 'tau');
  const vLeak = one('v_leak');
  const vReset = one('v_reset', 0);
  const vThreshold = one('v_threshold');
  let s = one('r') * dt / tau;
  if (vLeak !== 0) throw r.fail('v_leak', num(vLeak), '0 (our membrane decays toward 0)');
  if (vReset !== 0) throw r.fail('v_reset', num(vReset), '0 (our reset is to 0)');
  if (!(tau > 0)) throw r.fail(cuba ? 'tau_mem' : 'tau', num(tau), 'a time constant > 0');
  // τ = dt (decay 0) stored as float32 may land a hair below dt.
  if (tau < dt * (1 - 1e-6)) {
    throw r.fail(cuba ? 'tau_mem' : 'tau', `${num(tau)} s, shorter than dt = ${num(dt)} s (decay 1 − dt/τ = ${num(1 - dt / tau)})`, 'tau ≥ dt, a decay in [0, 1): is the file written for a smaller dt? give it in the metadata (dt)');
  }
  const decay = Math.max(0, 1 - dt / tau);
  if (cuba) {
    const tauSyn = one('tau_syn');
    if (Math.abs(tauSyn - dt) > 1e-5 * dt) {
      throw r.fail('tau_syn', `${num(tauSyn)} s (a synaptic current keeping ${num(1 - dt / tauSyn)} of itself per step of ${num(dt)} s)`, `tau_syn = dt = ${num(dt)} s: our neuron has no synaptic current, its input goes straight into the membrane`);
    }
    s *= one('w_in', 1);
    notes.push(`CubaLIF ${JSON.stringify(r.nodeName)}: tau_syn = dt, so its synaptic current holds only this step's input; read as a LIF`);
  }
  if (!(s > 0 && Number.isFinite(s))) throw r.fail('r', `such that r·dt/τ = ${num(s)}`, 'r > 0 (r = τ/dt gives our update exactly)');
  if (!(vThreshold > 0)) throw r.fail('v_threshold', num(vThreshold), 'a threshold > 0');
  let vth = vThreshold;
  if (Math.abs(s - 1) > 1e-5) {
    vth = vThreshold / s;
    notes.push(`LIF ${JSON.stringify(r.nodeName)}: r·dt/τ = ${num(s)}, not 1: its input is scaled by ${num(s)}, the same spikes as ours with Vth = v_threshold/${num(s)} = ${num(vth)}`);
  }
  // Float64 constants computed from a decimal decay come back within an ulp or two; 15 digits remove that noise.
  return { vth: Number(vth.toPrecision(15)), tau: Number(decay.toPrecision(15)) };
}
