import { mount } from 'svelte';
import App from './App.svelte';
import { setBackend } from './lib/backend';
import { tauriBackend } from './lib/backend/tauri';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

setBackend(tauriBackend);

export default mount(App, { target });
