/**
 * The SMTP intake on its own thread (core/inbound/worker/, issue 16 "use the
 * second core"): a relay with inboundThread on takes mail over real SMTP on
 * the worker and delivers it from the main thread; the worker's log lines,
 * events and connection counts reach the main thread; a worker that dies is
 * logged and replaced on the same port, and one that keeps dying stops the
 * relay through onFatal; stop() ends the thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isMainThread } from 'node:worker_threads';
import { internalsOf } from '../../../../core/relay-internals.js';
import type { EventEnvelope } from '../../../../core/control/contract.js';
import { waitFor } from '../../../helpers/relay-harness.js';
import { finishedMids, fixture, mailLog, route } from '../../../helpers/relay-e2e-harness.js';
import { sendMail } from '../../../helpers/send-mail.js';
import { RawSmtpClient } from '../../../helpers/smtp-client.js';
import { until } from '../../../helpers/until.js';

const f = fixture();
afterEach(() => f.cleanup());

const thread = { inboundThread: true } as const;

describe('SMTP intake thread', () => {
  it('accepts on the worker, delivers from the main thread; its log lines reach the mail log and the hub', async () => {
    const sink = await f.sink();
    const relay = await f.relay({ routes: [route('corp.test', [sink, 10])] }, undefined, thread);
    const worker = internalsOf(relay).intakeThread?.();
    expect(worker, 'an intake thread runs').toBeDefined();
    expect(isMainThread).toBe(true);
    const lines: string[] = [];
    const sub = relay.hub.subscribe((e) => {
      if (e.type === 'log') lines.push(...(e as EventEnvelope<'log'>).data.lines);
    });
    const done = finishedMids(relay);

    const res = await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['alice@corp.test'], subject: 'via the thread' });
    expect(res.response).toMatch(/^250 2\.0\.0 Ok: queued as MID \d+/);
    const [msg] = await sink.waitForMessages(1);
    expect(msg!.raw.toString()).toContain('Subject: via the thread');
    await waitFor(relay, () => done.length === 1, 'message finished');
    const mid = done[0]!;

    // Written by the worker (ICID, MID, Subject), by the main thread (delivery): one log.
    const log = await mailLog(relay);
    expect(log).toMatch(new RegExp(`Start MID ${mid} ICID \\d+`));
    expect(log).toContain(`MID ${mid} Subject 'via the thread'`);
    expect(log).toContain(`Message finished MID ${mid} done`);
    await until(() => lines.some((l) => l.includes(`Start MID ${mid} ICID`)), 'the worker line as a hub log event');
    sub.unsubscribe();
  });

  it('reports open connections of the worker to the main thread (metrics)', async () => {
    const relay = await f.relay({}, undefined, thread);
    const open = internalsOf(relay).inboundConnections;
    const c = await RawSmtpClient.connect({ port: relay.smtp.port });
    expect((await c.readReply()).code).toBe(220);
    await until(() => open() === 1, 'one open connection seen on the main thread', 5000);
    await c.command('QUIT');
    await c.closed;
    await until(() => open() === 0, 'the closed connection seen on the main thread', 5000);
  });

  it('a worker that dies is logged Critical and replaced on the same port; mail is accepted again', async () => {
    const sink = await f.sink();
    const relay = await f.relay({ routes: [route('corp.test', [sink, 10])] }, undefined, thread);
    const first = internalsOf(relay).intakeThread!()!;
    await first.terminate();
    await until(() => {
      const now = internalsOf(relay).intakeThread!();
      return now !== undefined && now !== first;
    }, 'a new intake thread', 10_000);
    const log = await mailLog(relay);
    expect(log).toMatch(/Critical: SMTP intake thread died: exit code 1; restarting the SMTP listeners/);
    const res = await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['alice@corp.test'] });
    expect(res.accepted).toEqual(['alice@corp.test']);
    await sink.waitForMessages(1);
  });

  it('a worker that keeps dying stops the relay and tells the embedder why (onFatal)', async () => {
    let fatal: string | undefined;
    const relay = await f.relay({}, undefined, { ...thread, onFatal: (reason) => (fatal = reason) });
    for (let i = 0; i < 4; i++) {
      const w = internalsOf(relay).intakeThread!();
      expect(w, `intake thread before death ${i + 1}`).toBeDefined();
      await w!.terminate();
      if (i < 3) await until(() => internalsOf(relay).intakeThread!() !== undefined && internalsOf(relay).intakeThread!() !== w, `restart ${i + 1}`, 10_000);
    }
    await until(() => fatal !== undefined, 'onFatal called', 10_000);
    expect(fatal).toMatch(/SMTP intake thread died 4 times in a minute/);
    const log = await mailLog(relay).catch(() => '');
    expect(log).toMatch(/Critical: SMTP intake thread died: .*the relay stops/);
  });

  it('stop() ends the thread: the port is closed and the worker has exited', async () => {
    const relay = await f.relay({}, undefined, thread);
    const w = internalsOf(relay).intakeThread!()!;
    let exited = false;
    w.once('exit', () => (exited = true));
    await relay.stop();
    expect(exited).toBe(true);
    await expect(RawSmtpClient.connect({ port: relay.smtp.port })).rejects.toThrow(/ECONNREFUSED/);
  });
});
