/**
 * main: the dashboard's entry point. Picks the transport (IPC inside the
 * desktop app, HTTP + SSE in a browser) once, then mounts the app — again
 * when a token added to the address turns the no-token page into the dashboard.
 */
import { mount, unmount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { chooseClient, whenTokenArrives } from './lib/choose-client.js';

performance.mark('rw-start');
const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
const choice = chooseClient(window);
const app = mount(App, { target, props: { choice } });
if ('missing' in choice) {
  // The no-token page says "add #token=… to the address": apply it at once
  // (takeToken also clears it from the address bar).
  whenTokenArrives(window, (next) => {
    void unmount(app);
    mount(App, { target, props: { choice: next } });
  });
}
