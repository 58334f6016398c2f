/**
 * cli-harness: a fake control server plus a data dir that
 * points at it (relay.json with this process's PID, control.token), as a
 * running relay would leave them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { layout, writeRuntimeInfo } from '../../core/data-dir.js';
import { startFakeServer, TOKEN, type TestServer } from './fake-control.js';
import { tempDir } from './temp-dir.js';

export interface CliFixture extends TestServer {
  dataDir: string;
  cleanup(): Promise<void>;
}

export async function cliFixture(extra: Parameters<typeof startFakeServer>[0] = {}): Promise<CliFixture> {
  const { dir, remove } = await tempDir('rw-cli-');
  const t = await startFakeServer(extra);
  const dataDir = join(dir, 'data');
  const l = layout(dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeRuntimeInfo(l, {
    pid: process.pid,
    version: '0.1.0',
    startedAt: Date.now(),
    smtp: { host: '127.0.0.1', port: 2525 },
    control: { host: t.server.host, port: t.server.port },
  });
  await writeFile(l.token, `${TOKEN}\n`, { mode: 0o600 });
  return {
    ...t,
    dataDir,
    cleanup: async () => {
      await t.close();
      await remove();
    },
  };
}
