/**
 * webhook-format: the body of a webhook POST per `alerts.webhook.format`, as
 * a table: `json` (DESIGN.md's contract shape: event, host, name, at, plus the
 * words), `slack` (an incoming webhook's `text` with one mrkdwn section
 * block), `teams` (an Adaptive Card in a `message` attachment: what
 * Microsoft documents for Teams incoming webhooks and for Workflows'
 * "when a Teams webhook request is received", which replace the connectors).
 */
import { severityOf, type Alert } from './alert.js';

export type WebhookFormat = 'teams' | 'slack' | 'json';

// Slack's mrkdwn treats &, < and > as control characters (its "escaping text" guide).
const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const facts = (a: Alert): { title: string; value: string }[] => [
  ...(a.host ? [{ title: 'Host', value: a.name ? `${a.name} (${a.host})` : a.host }] : []),
  ...(a.subject ? [{ title: 'About', value: a.subject }] : []),
  { title: 'Relay', value: a.relay },
  { title: 'At', value: a.at },
];

export const WEBHOOK_FORMATS: Record<WebhookFormat, (a: Alert) => unknown> = {
  json: (a) => ({ event: a.event, host: a.host, name: a.name, subject: a.subject, at: a.at, title: a.title, text: a.text, relay: a.relay }),
  slack: (a) => ({
    // `text` is what notifications and clients without blocks show.
    text: `${a.title}: ${a.text}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(a.title)}*\n${slackEscape(a.text)}` } },
      { type: 'context', elements: facts(a).map((f) => ({ type: 'mrkdwn', text: `${f.title}: ${slackEscape(f.value)}` })) },
    ],
  }),
  teams: (a) => ({
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: a.title, weight: 'Bolder', size: 'Medium', wrap: true, color: { bad: 'Attention', good: 'Good', warn: 'Warning' }[severityOf(a.kind)] },
            { type: 'TextBlock', text: a.text, wrap: true },
            { type: 'FactSet', facts: facts(a) },
          ],
        },
      },
    ],
  }),
};
