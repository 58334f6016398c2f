/**
 * pickup-rules: the window's checks of a pickup folder setting before it is
 * sent (the relay checks again with the config schema and names the field).
 */

/** A full path: "/srv/pickup", "C:\Pickup", "\\server\share\pickup". A relative one would depend on the relay's working directory. */
const FULL_PATH = /^(\/|[A-Za-z]:[\\/]|\\\\)/;

/** Field (pickup.dir, pickup.pollSeconds) → what is wrong; empty when fine. */
export function pickupProblems(p: { dir: string; pollSeconds: string }): Record<string, string> {
  const out: Record<string, string> = {};
  const dir = p.dir.trim();
  if (dir === '') out['pickup.dir'] = 'must name a folder';
  else if (!FULL_PATH.test(dir)) out['pickup.dir'] = 'must be a full path, e.g. C:\\Pickup or /srv/relay/pickup';
  const n = Number(p.pollSeconds);
  if (p.pollSeconds.trim() === '' || !Number.isFinite(n)) out['pickup.pollSeconds'] = 'must be a number of seconds';
  else if (n <= 0) out['pickup.pollSeconds'] = 'must be more than 0 seconds';
  else if (n > 3600) out['pickup.pollSeconds'] = 'must be at most 3600 seconds';
  return out;
}
