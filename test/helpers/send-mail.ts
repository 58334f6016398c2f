/**
 * send-mail: one message into a relay over real SMTP with nodemailer's
 * client, as an office device would send it. For byte-exact dialogues use
 * smtp-client.ts instead.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';

export interface SendResult {
  accepted: string[];
  rejected: string[];
  response: string;
}

/** Sends one message over real SMTP; resolves with the server's final reply. */
export async function sendMail(
  port: number,
  msg: { from: string; to: string[]; subject?: string; body?: string; raw?: string; localAddress?: string },
): Promise<SendResult> {
  const conn = new SMTPConnection({ host: '127.0.0.1', port, ignoreTLS: true, localAddress: msg.localAddress, logger: false });
  await new Promise<void>((resolve, reject) => {
    conn.once('error', reject);
    conn.connect(() => resolve());
  });
  const raw =
    msg.raw ??
    `From: <${msg.from}>\r\nTo: ${msg.to.map((t) => `<${t}>`).join(', ')}\r\nSubject: ${msg.subject ?? 'test'}\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@test>\r\n\r\n${msg.body ?? 'hello'}\r\n`;
  try {
    const info = await new Promise<{ accepted: string[]; rejected: string[]; response: string }>((resolve, reject) =>
      conn.send({ from: msg.from, to: msg.to }, raw, (err, info) => (err ? reject(err) : resolve(info as never))),
    );
    return info;
  } finally {
    conn.quit();
  }
}
