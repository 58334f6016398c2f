import { describe, expect, it } from 'vitest';
import type { DeviceAccount } from '../../../../common/contract.js';
import { DevicesStore, fieldErrors } from '../../../../renderer/src/lib/state/devices.svelte.js';
import { ControlError } from '../../../../renderer/src/lib/relay-client.js';
import { fakeClient } from '../../../helpers/fake-relay-client.js';

describe('devices store', () => {
  it('loads accounts and networks; an add reloads the list and sends the password only to userAdd', async () => {
    const accounts: DeviceAccount[] = [{ name: 'scanner', from: [], createdAt: 1 }];
    const c = fakeClient({
      userList: () => [...accounts],
      interfaces: () => [{ interface: 'eth0', address: '192.168.1.20', cidr: '192.168.1.0/24', family: 'IPv4' }],
      userAdd: (q: { name: string; from?: string[] }) => {
        accounts.push({ name: q.name, from: q.from ?? [], createdAt: 2 });
        return accounts.at(-1);
      },
    });
    const st = new DevicesStore(c);
    await st.load();
    expect(st.accounts?.map((a) => a.name)).toEqual(['scanner']);
    expect(await st.addAccount('copier', 'long-enough-1', ['*@corp.example'])).toEqual({});
    expect(st.accounts?.map((a) => a.name)).toEqual(['scanner', 'copier']);
    const withPassword = c.calls.filter((x) => JSON.stringify(x.arg ?? null).includes('long-enough-1'));
    expect(withPassword.map((x) => x.method)).toEqual(['userAdd']);
    // Without patterns, none are sent (any sender).
    await st.addAccount('fax', 'long-enough-2', []);
    expect(c.calls.filter((x) => x.method === 'userAdd').at(-1)?.arg).toEqual({ name: 'fax', password: 'long-enough-2' });
  });

  it('checks before asking the relay, and maps the relay’s refusal to its field', async () => {
    const c = fakeClient({
      userAdd: () => {
        throw new ControlError('EARGS', 'userAdd: from[0]: "x@" is refused', { field: 'from.0', status: 400 });
      },
      userList: () => [],
      interfaces: () => [],
    });
    const st = new DevicesStore(c);
    expect(await st.addAccount('bad name', 'short', [])).toMatchObject({ name: expect.any(String), password: expect.any(String) });
    expect(c.calls).toEqual([]);
    expect(await st.addAccount('scanner', 'long-enough-1', ['x@y'])).toEqual({ from: '"x@" is refused' });
    expect(fieldErrors(new ControlError('ENETWORK', 'relay not reachable'))).toEqual({ form: 'relay not reachable' });
  });

  it('replaceCertificate: the new certificate, or errors on certFile / keyFile', async () => {
    const cert = { fingerprint256: 'AA:BB', notAfter: 1, subject: 'CN=r', selfSigned: false, file: '/c.pem' };
    const c = fakeClient({
      certificateReplace: (q: { keyFile: string }) => {
        if (q.keyFile === '/wrong.key') throw new ControlError('EARGS', 'certificateReplace: keyFile: /wrong.key cannot be used', { field: 'keyFile' });
        return cert;
      },
    });
    const st = new DevicesStore(c);
    expect(await st.replaceCertificate('c.pem', '')).toEqual({ certFile: expect.stringMatching(/full path/), keyFile: expect.stringMatching(/must name/) });
    expect(await st.replaceCertificate('/c.pem', '/wrong.key')).toEqual({ keyFile: '/wrong.key cannot be used' });
    expect(await st.replaceCertificate(' /c.pem ', '/c.key')).toEqual(cert);
    expect(c.calls.at(-1)?.arg).toEqual({ certFile: '/c.pem', keyFile: '/c.key' });
  });

  it('savePickup: checks the folder and seconds first, sends only pickup (null turns it off), maps the relay’s refusal to pickup.<field>', async () => {
    let refuse = false;
    const c = fakeClient({
      configSet: () => {
        if (refuse) throw new ControlError('ECONFIG', 'config: pickup.pollSeconds: must be more than 0 seconds', { field: 'config.pickup.pollSeconds', status: 400 });
        return {};
      },
    });
    const st = new DevicesStore(c);
    expect(await st.savePickup({ dir: 'Pickup', pollSeconds: 'x' })).toEqual({
      'pickup.dir': expect.stringMatching(/full path/),
      'pickup.pollSeconds': expect.stringMatching(/number of seconds/),
    });
    expect(await st.savePickup({ dir: '', pollSeconds: '7200' })).toEqual({ 'pickup.dir': 'must name a folder', 'pickup.pollSeconds': expect.stringMatching(/3600/) });
    expect(c.calls).toEqual([]);
    expect(await st.savePickup({ dir: ' C:\\inetpub\\mailroot\\Pickup ', pollSeconds: '5' })).toEqual({});
    expect(await st.savePickup(null)).toEqual({});
    expect(c.calls.map((x) => x.arg)).toEqual([{ config: { pickup: { dir: 'C:\\inetpub\\mailroot\\Pickup', pollSeconds: 5 } } }, { config: { pickup: null } }]);
    refuse = true;
    expect(await st.savePickup({ dir: '/srv/pickup', pollSeconds: '1' })).toEqual({ 'pickup.pollSeconds': 'must be more than 0 seconds' });
  });
});
