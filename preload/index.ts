import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { WorkbenchBridge, WorkbenchChannel, WorkbenchEvent, WorkbenchEventChannel, WorkbenchMethod } from '../main/contract';

/**
 * Every contract method, once: a method missing here (or one the contract does not have) fails
 * to compile. The preload may import only types from main/, so the list is spelled out.
 */
const METHODS: Record<WorkbenchMethod, true> = {
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
};

const EVENT_CHANNEL: WorkbenchEventChannel = 'workbench:event';

/** One method per message, each answering the main side's Result; the renderer never sees ipcRenderer itself. */
function method(name: WorkbenchMethod) {
  const channel: WorkbenchChannel = `workbench:${name}`;
  return (...args: unknown[]) => ipcRenderer.invoke(channel, ...args);
}

const bridge = {
  ...Object.fromEntries(Object.keys(METHODS).map((name) => [name, method(name as WorkbenchMethod)])),
  onEvent(listener: (event: WorkbenchEvent) => void): () => void {
    const forward = (_event: IpcRendererEvent, payload: WorkbenchEvent) => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, forward);
    return () => void ipcRenderer.removeListener(EVENT_CHANNEL, forward);
  },
} as WorkbenchBridge;

contextBridge.exposeInMainWorld('workbench', bridge);
