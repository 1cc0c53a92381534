import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, ipcMain } from 'electron';
import type { WorkbenchApi, WorkbenchChannel, WorkbenchMethod } from './contract';

/** The renderer: the dev server under `electron-vite dev`, the built page otherwise. */
const rendererUrl = new URL(
  process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(__dirname, '../renderer/index.html')).href,
);

/** Same origin as the dev server, or the built page itself (file: URLs have no origin to compare). */
function isAppUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return rendererUrl.protocol === 'file:'
    ? url.protocol === 'file:' && url.pathname === rendererUrl.pathname
    : url.origin === rendererUrl.origin;
}

const handlers: WorkbenchApi = {
  getInfo: async () => ({ app: app.getName(), version: app.getVersion(), platform: process.platform }),
};

/** One IPC handler per contract method; calls from frames that are not the app are refused. */
function registerHandlers(api: WorkbenchApi): void {
  for (const method of Object.keys(api) as WorkbenchMethod[]) {
    const channel: WorkbenchChannel = `workbench:${method}`;
    const handler = api[method] as (...args: unknown[]) => unknown;
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      const sender = event.senderFrame?.url ?? '';
      if (!isAppUrl(sender)) throw new Error(`${channel}: refused a call from '${sender}'`);
      return handler(...args);
    });
  }
}

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'STBP Workbench',
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(rendererUrl.href);
}

// Every web contents, present and future: no new windows, no navigation away from the app.
app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

void app.whenReady().then(() => {
  registerHandlers(handlers);
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});
