/**
 * winsw-xml: the relay's WinSW service configuration (WinSW's documented XML
 * format, docs/xml-config-file.md): WinSW, a well-kept wrapper, is the Windows
 * service; it starts node, stops it with Ctrl+C (the relay's SIGINT: finish
 * or requeue, flush) and kills only after <stoptimeout>.
 */
import type { ServiceSpec } from './service-types.js';

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * One argument for a Windows command line (CommandLineToArgvW rules): quoted
 * when it holds a space, tab or quote; backslashes before a quote doubled.
 */
export function windowsArg(a: string): string {
  if (a !== '' && !/[\s"]/.test(a)) return a;
  return `"${a.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

export function winswXml(s: ServiceSpec): string {
  const [exe = 'node', ...args] = s.command;
  return [
    '<!-- Written by `relaywatch service install`; `relaywatch service uninstall` removes the service. -->',
    '<service>',
    '  <id>relaywatch</id>',
    '  <name>Relaywatch SMTP relay</name>',
    '  <description>Relaywatch: the office SMTP relay (queues mail durably and delivers it).</description>',
    `  <executable>${xml(exe)}</executable>`,
    `  <arguments>${xml(args.map(windowsArg).join(' '))}</arguments>`,
    `  <workingdirectory>${xml(s.dataDir)}</workingdirectory>`,
    '  <startmode>Automatic</startmode>',
    '  <delayedAutoStart>true</delayedAutoStart>',
    `  <stoptimeout>${s.stopTimeoutSeconds} sec</stoptimeout>`,
    '  <onfailure action="restart" delay="5 sec"/>',
    '  <onfailure action="restart" delay="30 sec"/>',
    '  <resetfailure>1 hour</resetfailure>',
    // LocalService: no password to keep, no admin rights; the data dir's ACL grants it write.
    '  <serviceaccount>',
    '    <username>NT AUTHORITY\\LocalService</username>',
    '  </serviceaccount>',
    `  <logpath>${xml(s.logDir)}</logpath>`,
    '  <log mode="roll-by-size">',
    '    <sizeThreshold>10240</sizeThreshold>',
    '    <keepFiles>5</keepFiles>',
    '  </log>',
    '</service>',
    '',
  ].join('\n');
}
