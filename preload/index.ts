import { contextBridge, ipcRenderer } from 'electron';
import type { WorkbenchApi, WorkbenchChannel, WorkbenchMethod } from '../main/contract';

type Method<M extends WorkbenchMethod> = WorkbenchApi[M];

function invoke<M extends WorkbenchMethod>(method: M, ...args: Parameters<Method<M>>): ReturnType<Method<M>> {
  const channel: WorkbenchChannel<M> = `workbench:${method}`;
  return ipcRenderer.invoke(channel, ...args) as ReturnType<Method<M>>;
}

// One method per message; the renderer never sees ipcRenderer itself.
const api: WorkbenchApi = {
  getInfo: () => invoke('getInfo'),
};

contextBridge.exposeInMainWorld('workbench', api);
