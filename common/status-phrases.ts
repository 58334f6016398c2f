/**
 * status-phrases: RFC 3463 enhanced status codes in plain words, one table for
 * the bounce notices the relay mails (core/bounce) and the errors the
 * dashboard shows. ASCII only: the phrases go into mail bodies.
 */

/**
 * RFC 3463 §3 "subject.detail" → words. A "subject.0" row ("other" in that
 * subject) also stands for any detail of the subject without a row of its own.
 */
const PHRASES: Readonly<Record<string, string>> = {
  '1.0': 'the address was not accepted',
  '1.1': 'the mailbox does not exist',
  '1.2': 'the domain of the address does not exist',
  '1.3': 'the address is not written correctly',
  '1.4': 'the address is ambiguous',
  '1.6': 'the mailbox has moved',
  '1.7': 'the sender address is not valid',
  '1.8': 'the domain of the sender is not accepted',
  '1.10': 'the domain of the address does not accept mail',
  '2.0': 'there is a problem with the mailbox',
  '2.1': 'the mailbox is disabled',
  '2.2': 'the mailbox is full',
  '2.3': 'the message is too large for the mailbox',
  '2.4': 'a mailing list could not be expanded',
  '3.0': 'the server has a problem',
  '3.1': 'the server is out of resources',
  '3.2': 'the server is not accepting mail right now',
  '3.3': 'the server cannot handle features this message uses',
  '3.4': 'the message is too large for the server',
  '3.5': 'the server is configured wrongly',
  '4.0': 'there is a network or routing problem',
  '4.1': 'the server did not answer',
  '4.2': 'the connection to the server broke off',
  '4.3': 'the name of the server could not be looked up (DNS)',
  '4.4': 'no way to reach the destination was found',
  '4.5': 'the server is congested',
  '4.6': 'a mail loop was detected',
  '4.7': 'the time allowed for delivery ran out',
  '5.0': 'the servers could not agree on how to talk to each other',
  '5.1': 'the server did not accept a command',
  '5.2': 'the server did not understand a command',
  '5.3': 'the message has too many recipients',
  '5.4': 'the server did not accept the arguments of a command',
  '5.5': 'the server speaks another protocol version',
  '6.0': 'the format of the message was not accepted',
  '6.3': 'the message content could not be converted',
  '7.0': 'a security policy refused the message',
  '7.1': 'the server does not accept this message from this sender',
  '7.2': 'the mailing list refused the sender',
  '7.5': 'a secure (encrypted) connection could not be set up',
  '7.7': 'the message failed an integrity check',
  '7.8': 'the server refused the login of this relay',
  '7.9': 'the server wants a stronger login method',
  '7.10': 'the server requires encryption for this login',
  '7.11': 'the server requires encryption (TLS)',
  '7.13': 'the user account is disabled',
  '7.23': 'the server refused it after an SPF check',
  '7.25': 'the server refused it: the address of this relay has no reverse DNS',
  '7.26': 'the server refused it: authentication checks failed',
};

/**
 * Words for "class.subject.detail" (e.g. "5.1.1"): the detail's row, else its
 * subject's; undefined for a subject with no words (x.0.x, unknown, success 2.x.x, malformed).
 */
export function statusPhrase(status: string): string | undefined {
  const m = /^[45]\.(\d{1,3})\.(\d{1,3})$/.exec(status);
  if (!m) return undefined;
  const subject = Number(m[1]);
  return PHRASES[`${subject}.${Number(m[2])}`] ?? PHRASES[`${subject}.0`];
}
