/**
 * devices: the Devices view's state: the device accounts (userList) and this
 * machine's addresses (interfaces), loaded when the view opens and after each
 * change made here; the account and certificate changes, with the relay's
 * refusals mapped to the field they name; the pickup folder setting (written
 * into the config file, used at the next start). The password is passed
 * through to the relay and kept nowhere.
 */
import type { CertificateStatus, DeviceAccount, MachineNetwork, PickupSetting } from '../../../../common/contract.js';
import { accountProblems, pemPathProblem } from '../account-rules.js';
import { pickupProblems } from '../pickup-rules.js';
import { asControlError, type RelayClient } from '../relay-client.js';

/** Field → message; `form` for what belongs to no field. Empty: nothing wrong. */
export type FieldErrors = Record<string, string>;

export class DevicesStore {
  accounts = $state.raw<DeviceAccount[] | null>(null);
  networks = $state.raw<MachineNetwork[] | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);

  constructor(private readonly client: RelayClient) {}

  async load(): Promise<void> {
    const [a, n] = await Promise.allSettled([this.client.userList(), this.client.interfaces()]);
    if (a.status === 'fulfilled') this.accounts = a.value;
    if (n.status === 'fulfilled') this.networks = n.value;
    const failed = [a, n].find((r) => r.status === 'rejected');
    this.error = failed ? asControlError(failed.reason).message : null;
  }

  /** The relay says the accounts changed (here or by `relaywatch user …`): refetch them if shown. */
  async onAccountsChanged(): Promise<void> {
    if (this.accounts === null) return;
    try {
      this.accounts = await this.client.userList();
    } catch (e) {
      this.error = asControlError(e).message;
    }
  }

  addAccount(name: string, password: string, from: string[]): Promise<FieldErrors> {
    const problems = accountProblems({ name, password, from });
    if (Object.keys(problems).length) return Promise.resolve(problems);
    return this.change(() => this.client.userAdd(from.length ? { name, password, from } : { name, password }));
  }

  changePassword(name: string, password: string): Promise<FieldErrors> {
    const problems = accountProblems({ password });
    if (Object.keys(problems).length) return Promise.resolve(problems);
    return this.change(() => this.client.userPasswd({ name, password }));
  }

  removeAccount(name: string): Promise<FieldErrors> {
    return this.change(() => this.client.userRemove({ name }));
  }

  /** The new certificate when the relay took it; else errors on certFile / keyFile. */
  async replaceCertificate(certFile: string, keyFile: string): Promise<CertificateStatus | FieldErrors> {
    const problems: FieldErrors = {};
    const c = pemPathProblem(certFile);
    const k = pemPathProblem(keyFile);
    if (c) problems.certFile = c;
    if (k) problems.keyFile = k;
    if (Object.keys(problems).length) return problems;
    this.busy = true;
    try {
      return await this.client.certificateReplace({ certFile: certFile.trim(), keyFile: keyFile.trim() });
    } catch (e) {
      return fieldErrors(e);
    } finally {
      this.busy = false;
    }
  }

  /** Writes `pickup` into the config file (null: removes it); errors on pickup.dir / pickup.pollSeconds. */
  async savePickup(p: { dir: string; pollSeconds: string } | null): Promise<FieldErrors> {
    let pickup: PickupSetting | null = null;
    if (p) {
      const problems = pickupProblems(p);
      if (Object.keys(problems).length) return problems;
      pickup = { dir: p.dir.trim(), pollSeconds: Number(p.pollSeconds) };
    }
    this.busy = true;
    try {
      await this.client.configSet({ config: { pickup } });
      return {};
    } catch (e) {
      return pickupFieldErrors(e);
    } finally {
      this.busy = false;
    }
  }

  private async change(call: () => Promise<unknown>): Promise<FieldErrors> {
    this.busy = true;
    try {
      await call();
      await this.load();
      return {};
    } catch (e) {
      return fieldErrors(e);
    } finally {
      this.busy = false;
    }
  }
}

/** "userAdd: from[0]: … has no @" on field from.0 → { from: '… has no @' }. */
export function fieldErrors(e: unknown): FieldErrors {
  const err = asControlError(e);
  const field = err.field?.split('.')[0];
  const words = err.message.replace(/^\w+: /, '').replace(/^[\w.[\]]+: /, '');
  return field ? { [field]: words } : { form: err.message };
}

/** "config: pickup.pollSeconds: must be …" (field config.pickup.pollSeconds) → { 'pickup.pollSeconds': 'must be …' }. */
export function pickupFieldErrors(e: unknown): FieldErrors {
  const err = asControlError(e);
  const m = /(pickup(?:\.\w+)?): (.+)$/s.exec(err.message);
  const field = err.field?.replace(/^config\./, '') ?? m?.[1];
  if (field?.startsWith('pickup')) return { [field === 'pickup' ? 'pickup.dir' : field]: m?.[2] ?? err.message };
  return { form: err.message };
}
