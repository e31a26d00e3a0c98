import { mount } from 'svelte';
import { getCurrentWindow } from '@tauri-apps/api/window';
import App from './App.svelte';
import { setBackend } from './lib/backend';
import { tauriBackend } from './lib/backend/tauri';
import { followColorScheme } from './lib/shell/theme';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

setBackend(tauriBackend);
followColorScheme(document.documentElement);

// Closing the window asks first while an editor holds unsaved changes; the app decides.
function guardClose(ask: () => boolean): void {
  const appWindow = getCurrentWindow();
  appWindow
    .onCloseRequested((event) => {
      if (!ask()) event.preventDefault();
    })
    .catch((error) => console.error('close guard unavailable', error));
  window.addEventListener('persona-studio:close', () => {
    appWindow.destroy().catch((error) => console.error('could not close the window', error));
  });
}

export default mount(App, { target, props: { onCloseRequested: guardClose } });
