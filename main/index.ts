import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain } from 'electron';
import { createWorkbench, type Workbench } from './api/workbench';
import { broadcastEvent, registerWorkbenchIpc } from './ipc';
import { utilityTrainer } from './runs/utility-trainer';
import { openStore, type Store } from './store/db';

/** The renderer: the dev server under `electron-vite dev`, the built page otherwise. */
const rendererUrl = new URL(
  process.env.ELECTRON_RENDERER_URL ?? pathToFileURL(join(__dirname, '../renderer/index.html')).href,
);

/**
 * better-sqlite3 built for this Electron's ABI (scripts/build-electron-sqlite.mjs), kept apart from
 * the Node build in node_modules that the CLI and the tests load.
 */
const SQLITE_BINDING = join(__dirname, '..', 'native', `electron-${process.versions.electron}`, 'better_sqlite3.node');

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

function openAppStore(): Store {
  if (!existsSync(SQLITE_BINDING)) {
    throw new Error(`${SQLITE_BINDING} is missing: build it with \`node scripts/build-electron-sqlite.mjs\` (npm start does), or use web mode: npm run web`);
  }
  return openStore({ home: process.env.STBP_HOME || app.getPath('userData'), nativeBinding: SQLITE_BINDING });
}

async function pickPaths(request: { kind: 'file' | 'folder'; title: string }): Promise<string[]> {
  const options: Electron.OpenDialogOptions = { title: request.title, properties: [request.kind === 'folder' ? 'openDirectory' : 'openFile'] };
  const parent = BrowserWindow.getFocusedWindow();
  const picked = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
  return picked.canceled ? [] : picked.filePaths;
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

let store: Store | undefined;
let workbench: Workbench | undefined;
let shutDown = false;

// Quitting pauses live runs first: each checkpoints after its current batch and resumes later.
app.on('before-quit', (event) => {
  if (shutDown || !workbench) return;
  event.preventDefault();
  shutDown = true;
  void workbench.dispose().finally(() => {
    store?.close();
    app.quit();
  });
});

void app.whenReady().then(() => {
  try {
    store = openAppStore();
  } catch (e) {
    dialog.showErrorBox('STBP Workbench cannot open its store', e instanceof Error ? e.message : String(e));
    app.exit(1);
    return;
  }
  workbench = createWorkbench({ store, mode: 'desktop', spawn: utilityTrainer(), nativeBinding: SQLITE_BINDING, pickPaths });
  workbench.onEvent((event) => broadcastEvent(BrowserWindow.getAllWindows().map((w) => w.webContents), isAppUrl, event));
  registerWorkbenchIpc(ipcMain, workbench.api, isAppUrl);
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});
