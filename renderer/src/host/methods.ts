import type { WorkbenchApi, WorkbenchMethod } from '../../../main/contract';

/**
 * Every contract method by name. The contract is types only, so the list is spelled out here;
 * `satisfies` makes a missing or unknown name a compile error when the contract changes.
 */
export const METHOD_FLAGS = {
  getInfo: true,
  listDatasets: true,
  ensureMnist: true,
  importDataset: true,
  deleteDataset: true,
  getSamples: true,
  getEncoding: true,
  emulateEvents: true,
  cancelEmulation: true,
  getEvents: true,
  listPresets: true,
  listSpecs: true,
  saveSpec: true,
  deleteSpec: true,
  listRuns: true,
  getRun: true,
  startRun: true,
  pauseRun: true,
  resumeRun: true,
  stopRun: true,
  evaluateRun: true,
  estimateRun: true,
  deleteRun: true,
  renameRun: true,
  getRunMetrics: true,
  getRunProbes: true,
  listRunWeights: true,
  listModels: true,
  getModel: true,
  saveModel: true,
  renameModel: true,
  deleteModel: true,
  importModel: true,
  exportModel: true,
  evaluateModel: true,
  pythonInfo: true,
  exportPytorchJob: true,
  importJobResults: true,
  startPytorchJob: true,
  followJob: true,
  listStudyRecipes: true,
  previewStudy: true,
  createStudy: true,
  updateStudy: true,
  listStudies: true,
  getStudy: true,
  deleteStudy: true,
  resumeStudy: true,
  cancelStudy: true,
  getQueue: true,
  setQueue: true,
  moveInQueue: true,
  removeFromQueue: true,
  pickPaths: true,
} as const satisfies Record<WorkbenchMethod, true>;

export const METHODS = Object.keys(METHOD_FLAGS) as WorkbenchMethod[];

/** Builds a WorkbenchApi whose every method forwards to `call(method, args)`. */
export function apiFrom(call: (method: WorkbenchMethod, args: unknown[]) => Promise<unknown>): WorkbenchApi {
  const api: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const method of METHODS) api[method] = (...args) => call(method, args);
  return api as unknown as WorkbenchApi;
}
