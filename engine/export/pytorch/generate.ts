import { EngineError } from '../../errors';
import { inferModel, type ModelPlan } from '../../spec/infer';
import { checkOptions, withDefaults } from '../../train/options';
import { dataPy } from './data-py';
import { DATA_FOLDER, DATASET_JSON, datasetJson } from './data-files';
import { modelPy } from './model-py';
import { nirIoPy } from './nir-io-py';
import { readmeMd } from './readme-md';
import { trainPy } from './train-py';
import {
  DEFAULT_NIR_DT, JOB_FORMAT, JOB_OUTPUTS, JOB_VERSION, type JobFile, type JobInput, type JobManifest, type JobSettings,
} from './types';

/**
 * A PyTorch job for a spec and its run settings: the text files of the job folder (model.py,
 * train.py, data.py, nir_io.py, README.md, job.json, data/dataset.json). A pure function of its
 * input; the dataset's sample files and any starting weights are written next to them by the
 * caller (main/services/jobs.ts). Refuses what the job cannot train, naming it.
 */
export function generatePytorchJob(input: JobInput): JobFile[] {
  const plan = inferModel(input.spec);
  const settings = checkSettings(input.settings);
  checkDataset(input, plan);
  const dt = input.dt ?? DEFAULT_NIR_DT;
  if (!(Number.isFinite(dt) && dt > 0)) throw new EngineError('bad-option', `dt is ${dt}; allowed: a time step in seconds > 0`);
  if (input.initWeights !== undefined && !/^[\w.-]+\.nir$/.test(input.initWeights)) {
    throw new EngineError('bad-option', `initWeights is ${JSON.stringify(input.initWeights)}; allowed: a file name in the job folder ending in .nir`);
  }
  const job = { ...input, settings };
  const manifest: JobManifest = {
    format: JOB_FORMAT, version: JOB_VERSION, name: input.name, spec: input.spec, settings, dataset: input.dataset,
    source: input.source, initWeights: input.initWeights ?? null, dt, out: JOB_OUTPUTS.folder,
  };
  return [
    { path: 'model.py', text: modelPy(input.name, input.spec, plan) },
    { path: 'train.py', text: trainPy(input.name, settings, input.initWeights, dt) },
    { path: 'data.py', text: dataPy() },
    { path: 'nir_io.py', text: nirIoPy() },
    { path: 'README.md', text: readmeMd(job, plan) },
    { path: 'job.json', text: JSON.stringify(manifest, null, 2) + '\n' },
    { path: `${DATA_FOLDER}/${DATASET_JSON}`, text: datasetJson(input.dataset) },
  ];
}

/** The settings with the trainer's defaults filled in and checked as a run's are. */
function checkSettings(s: JobSettings): JobSettings {
  if (s.network !== undefined && s.network !== 'spiking') {
    throw new EngineError('bad-option', `network is ${JSON.stringify(s.network)}; allowed: 'spiking' (the non-spiking twin has no PyTorch job)`);
  }
  const full = withDefaults({ ...s, network: 'spiking' });
  checkOptions(full);
  for (const key of ['limit', 'testLimit'] as const) {
    const v = s[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new EngineError('bad-option', `${key} is ${v}; allowed: an integer ≥ 1`);
  }
  const { network: _network, ...rest } = full;
  return { ...rest, augment: full.augment ?? [] };
}

function checkDataset(input: JobInput, plan: ModelPlan): void {
  const d = input.dataset;
  const inputs = d.sampleShape.reduce((a, b) => a * b, 1);
  if (inputs !== plan.inputSize) {
    throw new EngineError('bad-data', `dataset ${d.name} has samples of shape [${d.sampleShape.join(', ')}] (${inputs} inputs); the network's input layer takes ${plan.inputSize} ([${plan.inputShape.join(', ')}])`);
  }
  const spatial = plan.stages.some((s) => s.kind !== 'dense' && s.kind !== 'output');
  if (spatial && d.sampleShape.join() !== plan.inputShape.join()) {
    throw new EngineError('bad-data', `dataset ${d.name} has samples of shape [${d.sampleShape.join(', ')}] (channels, height, width); the network's input layer takes [${plan.inputShape.join(', ')}]`);
  }
  if (d.classes > plan.classes) throw new EngineError('bad-data', `dataset ${d.name} has ${d.classes} classes; the network's output layer has ${plan.classes} units`);
  if (d.kind === 'events' && input.settings.augment?.length) {
    throw new EngineError('bad-option', `augment is ${JSON.stringify(input.settings.augment)}; allowed: none for ${d.name}, whose samples are event streams`);
  }
}
