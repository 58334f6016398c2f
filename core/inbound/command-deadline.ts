/**
 * command-deadline: the slow-client clock of one connection (command-guard.ts).
 * arm() at every reply we send and at every chunk during DATA, stop() when a
 * whole command line came; it does not run while the client waits for us (a
 * handler working, or a message in and not yet answered).
 */
import type { Socket } from 'node:net';
import type { SMTPConnection as SmtpConnection } from 'smtp-server/lib/smtp-connection.js';

export interface CommandDeadline {
  arm(): void;
  stop(): void;
}

/** smtp-server's parser is reading message data (between 354 and the final dot). */
export function inDataMode(conn: SmtpConnection): boolean {
  return !!conn._parser && conn._parser._dataMode;
}

export function commandDeadline(conn: SmtpConnection, ms: number, expire: () => void): CommandDeadline {
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    clearTimeout(timer);
    timer = undefined;
  };
  const fire = (): void => {
    timer = undefined;
    if (conn._closing || conn._closed) return;
    if (conn._handlerPending || (conn._dataStream && !inDataMode(conn))) return; // our turn: the reply arms it again
    expire();
  };
  const start = (): void => {
    stop();
    if (conn._closing || conn._closed) return;
    timer = setTimeout(fire, ms);
    timer.unref();
  };
  // Bytes count during DATA only. Watched on the socket in use at each reply:
  // a STARTTLS upgrade replaces it (and drops every listener of the old one).
  let watched: Socket | undefined;
  const onData = (): void => {
    if (inDataMode(conn)) start();
  };
  return {
    arm() {
      if (watched !== conn._socket) {
        watched = conn._socket;
        watched.on('data', onData);
        watched.once('close', stop);
      }
      start();
    },
    stop,
  };
}
