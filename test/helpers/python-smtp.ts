/**
 * python-smtp: Python's smtplib as a real client (python3 on PATH): SMTP_SSL
 * (implicit TLS, RFC 8314) with login and one message, or a plain session that
 * sends AUTH before STARTTLS the way a careless device does. Answers JSON.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const SCRIPT = String.raw`
import base64, hashlib, json, os, smtplib, ssl, sys
mode, port = sys.argv[1], int(sys.argv[2])
user, password = os.environ['RW_USER'], os.environ['RW_PASS']
ctx = ssl.create_default_context()
# The relay's certificate is self-signed: the caller checks its fingerprint instead.
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
out = {}
txt = lambda r: [r[0], r[1].decode('utf-8', 'replace')]
try:
    if mode == 'implicit':
        s = smtplib.SMTP_SSL('127.0.0.1', port, context=ctx, timeout=20)
        out['fingerprint'] = hashlib.sha256(s.sock.getpeercert(True)).hexdigest()
        out['protocol'] = s.sock.version()
        s.ehlo('python.test')
        out['login'] = txt(s.login(user, password))
        out['mail'] = txt(s.mail(os.environ.get('RW_FROM', 'scanner@office.example')))
        out['rcpt'] = txt(s.rcpt('alice@corp.example'))
        out['data'] = txt(s.data(b'Subject: from python\r\n\r\nsent with smtplib over implicit TLS\r\n'))
        s.quit()
    else:
        s = smtplib.SMTP('127.0.0.1', port, timeout=20)
        s.ehlo('python.test')
        out['authBeforeTls'] = s.has_extn('auth')
        # smtplib's login() would refuse without the extension: send the command itself.
        out['auth'] = txt(s.docmd('AUTH', 'PLAIN ' + base64.b64encode(('\0%s\0%s' % (user, password)).encode()).decode()))
        s.starttls(context=ctx)
        s.ehlo('python.test')
        out['authAfterTls'] = s.has_extn('auth')
        out['login'] = txt(s.login(user, password))
        s.quit()
except smtplib.SMTPResponseException as e:
    out['error'] = [e.smtp_code, e.smtp_error.decode('utf-8', 'replace')]
print(json.dumps(out))
`;

export interface PythonSmtpResult {
  fingerprint?: string;
  protocol?: string;
  login?: [number, string];
  mail?: [number, string];
  rcpt?: [number, string];
  data?: [number, string];
  authBeforeTls?: boolean;
  auth?: [number, string];
  authAfterTls?: boolean;
  error?: [number, string];
}

/** Runs one smtplib session; the password goes by environment, never on a command line. */
export async function pythonSmtp(mode: 'implicit' | 'auth-before-tls', port: number, user: string, pass: string, from?: string): Promise<PythonSmtpResult> {
  const env = { ...process.env, RW_USER: user, RW_PASS: pass, ...(from ? { RW_FROM: from } : {}) };
  const child = spawn('python3', ['-c', SCRIPT, mode, String(port)], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`python3 smtplib exited ${code}: ${err}`);
  return JSON.parse(out) as PythonSmtpResult;
}
