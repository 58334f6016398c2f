/**
 * main: the dashboard's entry point. Picks the transport (IPC inside the
 * desktop app, HTTP + SSE in a browser) once, then mounts the app.
 */
import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { chooseClient } from './lib/choose-client.js';

performance.mark('rw-start');
const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target, props: { choice: chooseClient(window) } });
