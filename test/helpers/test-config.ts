/**
 * test-config: the relay config every test starts from (loopback, ephemeral
 * ports, fast delivery timeouts), as the raw object a config file holds;
 * parseConfig() it where a parsed RelayConfig is wanted.
 */

/** A config for tests: loopback, ephemeral ports, fast timeouts. */
export function testConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const delivery = {
    connectTimeoutSeconds: 2,
    commandTimeoutSeconds: 2,
    probeInitialSeconds: 0.1,
    probeMaxSeconds: 0.5,
    idleConnectionSeconds: 1,
    ...((extra.delivery as object | undefined) ?? {}),
  };
  return {
    hostname: 'relay.test',
    listen: { host: '127.0.0.1', port: 0 },
    control: { host: '127.0.0.1', port: 0 },
    ...extra,
    delivery,
  };
}
