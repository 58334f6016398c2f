/**
 * alerts-schema: the `metrics` and `alerts` sections (DESIGN.md "Contract
 * additions"): who may scrape GET /metrics without the token, and where
 * incidents go when nobody is at a desk (a webhook, an email) with the grace
 * period and thresholds the alert engine (core/alerts/) decides by.
 */
import { z } from 'zod';
import { isAllowedEndpoint } from '../oauth/oauth-credential.js';
import { cidr } from './network-schema.js';

export const metricsSchema = z
  .strictObject({
    // Prometheus servers usually scrape without secrets: let named networks in
    // without the token (the token still works from anywhere allowed to connect).
    allowNetworks: z.array(cidr).default([]),
  })
  .default({ allowNetworks: [] });

/**
 * The webhook URL carries its own secret (Teams and Slack put the key in the
 * path), so it must be https://, or http:// on loopback only (tests), and is
 * never logged whole (alerts/webhook-channel.ts redacts it).
 */
const webhookSchema = z.strictObject({
  url: z
    .string()
    .max(2048, 'must be at most 2048 characters')
    .refine((s) => isAllowedEndpoint(s), 'must be an https:// URL (http:// only for a loopback address such as 127.0.0.1)'),
  format: z.enum(['teams', 'slack', 'json']).default('json'),
});

const emailSchema = z.strictObject({
  to: z
    .string()
    .max(254, 'must be at most 254 characters')
    .regex(/^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'must be one email address, e.g. admin@corp.example'),
});

export const alertsSchema = z
  .strictObject({
    webhook: webhookSchema.optional(),
    email: emailSchema.optional(),
    // As the desktop notifications: a host must stay Down this long before anyone is told.
    graceSeconds: z.number().finite().min(0, 'must be zero or more seconds').max(86_400, 'must be at most 86400 seconds').default(60),
    // "Mail is backing up": the oldest queued message has waited this long.
    queueAgeMinutes: z.number().finite().positive('must be more than 0 minutes').max(43_200, 'must be at most 43200 minutes (30 days)').default(60),
    // "Disk nearly full": less than this share of the data dir's file system is free.
    diskFreePercent: z.number().finite().min(0, 'must be 0–100 (0: never)').max(100, 'must be 0–100 (0: never)').default(5),
  })
  .default({ graceSeconds: 60, queueAgeMinutes: 60, diskFreePercent: 5 });

export type AlertsConfig = z.output<typeof alertsSchema>;
export type MetricsConfig = z.output<typeof metricsSchema>;
