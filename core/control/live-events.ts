/**
 * live-events: what the event hub tells every live view (dashboard, tray,
 * CLI watch) about the queue and the hosts: coalesced queue counts per
 * outcome (bounces of real mail apart from failed bounce notices), and a `host` event
 * (hosts/host-event.ts) on each Up/Down change and when a host's last connection closes.
 */
import { hostRefreshEvent, hostTransitionEvent } from '../hosts/host-event.js';
import type { HostRegistry } from '../hosts/host-registry.js';
import type { MessageQueue } from '../queue/message-queue.js';
import type { EventHub } from './event-hub.js';

export function publishLiveEvents(hub: EventHub, queue: MessageQueue, hosts: HostRegistry): void {
  queue.on('outcome', (r, what) => {
    // A bounce notice that failed is not a bounce of the office's mail (bounce-records.ts lists it).
    if (what === 'bounced') hub.countQueue(queue.get(r.mid)?.kind === 'normal' ? 'bounced' : 'noticesFailed');
    else if (what === 'delivered') hub.countQueue(what);
    else if (what === 'deferred' || what === 'requeued') hub.countQueue('deferred');
  });
  hosts.on('down', (h, err) => hub.publish('host', hostTransitionEvent(h, err.toLine(), queue.pendingCountForHost(h.key).pending)));
  hosts.on('up', (h, how) => hub.publish('host', hostTransitionEvent(h, how, queue.pendingCountForHost(h.key).pending)));
  hosts.on('idle', (h) => hub.publish('host', hostRefreshEvent(h, null, queue.pendingCountForHost(h.key).pending)));
}
