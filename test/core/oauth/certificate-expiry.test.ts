/**
 * certificate-expiry: a relay that runs for weeks re-reads its certificate credentials
 * and logs the warning again (daily in production; every few ms here), reading the
 * file anew each time (an admin who replaced it is heard).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { watchExpiringCertificates } from '../../../core/oauth/certificate-expiry.js';
import { tokenSourceFor } from '../../../core/oauth/token-client.js';
import type { Destination } from '../../../core/routing/routing-types.js';
import { makeAppCertificate } from '../../helpers/fake-token-endpoint.js';
import { MemoryLog } from '../../helpers/memory-log.js';
import { missingCommand, skipAllUnless } from '../../helpers/requires.js';
import { tempDir, type TempDir } from '../../helpers/temp-dir.js';

skipAllUnless(missingCommand('openssl', 'Debian package openssl'));

let dir: TempDir | undefined;
const stops: (() => void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await dir?.remove();
});

describe('watchExpiringCertificates', () => {
  it('logs the warning again at each round while the certificate has 14 days or less', async () => {
    dir = await tempDir('rw-cert-');
    const cert = await makeAppCertificate(dir.dir, 5);
    const tokens = tokenSourceFor({ tenant: 't', clientId: 'c', certificateFile: cert.certificateFile, privateKeyFile: cert.privateKeyFile }, { env: {} });
    const dest = { key: 'smtp.office365.com:587', host: 'smtp.office365.com', port: 587, priority: 0, tls: 'required', auth: { user: 'a@corp.test', tokens } } as Destination;
    const log = new MemoryLog();
    stops.push(watchExpiringCertificates(() => [dest], log, 25));
    const line = await log.waitFor(/expires on/);
    // Forget the first round: the next line can only come from the next one.
    log.lines.length = 0;
    expect(await log.waitFor(/expires on/)).toBe(line);
    expect(line).toMatch(/^Warning: Host smtp\.office365\.com:587: the OAuth2 certificate .*app-cert-5\.pem expires on \d{4}-\d\d-\d\d \(in [45] days\); create a new one/);
  });
});
