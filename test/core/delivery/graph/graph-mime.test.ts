/**
 * graph-mime: the copy Graph gets names exactly this attempt's envelope
 * recipients, once each, in To/Cc/Bcc (recipientsOf reads them as Graph does),
 * and leaves the rest of the message alone.
 */
import { describe, expect, it } from 'vitest';
import { graphCopy } from '../../../../core/delivery/graph/graph-mime.js';
import { recipientsOf } from '../../../helpers/fake-graph.js';

const msg = (headers: string) => Buffer.from(`From: s@x.example\r\n${headers}Subject: hi\r\nMessage-ID: <m1@x.example>\r\n\r\nbody\r\nBcc: not-a-header@x.example\r\n`);
const graphSees = (headers: string, envelope: string[]) => recipientsOf(graphCopy(msg(headers), envelope).mime.toString('utf8'));

describe('graphCopy', () => {
  it.each([
    ['Bcc only in the envelope', 'To: a@x.example\r\nBcc: h@x.example\r\n', ['a@x.example', 'h@x.example'], ['a@x.example', 'h@x.example']],
    ['a header-only Bcc', 'To: a@x.example\r\nBcc: h@x.example\r\n', ['a@x.example'], ['a@x.example']],
    ['To: a, b, envelope a', 'To: a@x.example, b@x.example\r\n', ['a@x.example'], ['a@x.example']],
    ['envelope only', 'To: a@x.example\r\n', ['z@x.example'], ['z@x.example']],
    ['a repeat in To and Cc', 'To: a@x.example\r\nCc: A@X.example, c@x.example\r\n', ['a@x.example', 'c@x.example'], ['a@x.example', 'c@x.example']],
    ['a group with a member not in the envelope', 'To: Team: a@x.example, b@x.example;\r\n', ['a@x.example'], ['a@x.example']],
    ['folded fields', 'To: a@x.example,\r\n b@x.example\r\nCc:\r\n c@x.example\r\n', ['b@x.example'], ['b@x.example']],
  ])('%s', (_name, headers, envelope, expected) => {
    expect(graphSees(headers, envelope).sort()).toEqual([...expected].sort());
  });

  it('keeps readers\' view: a removed address stays visible as an empty group; the body is untouched', () => {
    const out = graphCopy(msg('To: "Smith, Ann" <a@x.example>, Bob <b@x.example>\r\n'), ['a@x.example']);
    const text = out.mime.toString('utf8');
    expect(text).toContain('To: "Smith, Ann" <a@x.example>,\r\n "Bob <b@x.example>":;\r\n');
    expect(text.endsWith('\r\n\r\nbody\r\nBcc: not-a-header@x.example\r\n')).toBe(true);
    expect(out.messageId).toBe('<m1@x.example>');
  });

  it('leaves a field that names only envelope recipients byte for byte (DKIM), and adds no Bcc when all are named', () => {
    const headers = 'To: =?utf-8?q?J=C3=B6rg?= <j@x.example>,\r\n\tb@x.example\r\n';
    const text = graphCopy(msg(headers), ['j@x.example', 'b@x.example']).mime.toString('utf8');
    expect(text).toContain(headers);
    expect(text.split('\r\n\r\n')[0]).not.toMatch(/^Bcc:/im);
  });
});
