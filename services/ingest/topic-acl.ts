import type { CredentialRole } from '../../shared/credentials/credentials-file.ts';

/**
 * Who may publish and subscribe where (README "MQTT security"):
 * - a sensor publishes and subscribes only under `traffic/v1/{its id}/…`;
 * - a gateway also under the ids of its sensors, `traffic/v1/{gatewayId}.{local}/…` (README "Telemetry");
 * - an operator publishes anywhere but `$SYS/` and subscribes to anything (`#`, `$SYS/#`);
 * - an anonymous client (when allowed) keeps the open broker's rules: anything but `$SYS/` for
 *   publishing (aedes's own default rule, [MQTT-4.7.2-1] keeps `$` topics broker-made) and, in
 *   mixed mode, not on the topics of a device that has credentials;
 * - nobody subscribes to `test/nosubscribe` or under it: the filter Paho's interoperability tests
 *   use for a refused subscription (SUBACK 0x80 [MQTT-3.9.3-2]).
 * Everything a client may do is computed once at CONNECT; each publish costs a prefix comparison.
 */
export type Identity = { role: 'anonymous' } | { role: CredentialRole; id: string };

export const PUBLISH_REFUSALS = ['publish_topic', 'publish_sys'] as const;
export const SUBSCRIBE_REFUSALS = ['subscribe_topic', 'subscribe_nosubscribe'] as const;
export type PublishRefusal = (typeof PUBLISH_REFUSALS)[number];
export type SubscribeRefusal = (typeof SUBSCRIBE_REFUSALS)[number];

export interface Grant {
  readonly identity: Identity;
  /** Null when allowed, else the reason. */
  publish(topic: string): PublishRefusal | null;
  subscribe(filter: string): SubscribeRefusal | null;
}

const TRAFFIC = 'traffic/v1/';
const SYS = '$SYS/';
const NOSUBSCRIBE = 'test/nosubscribe';

/** The `{id}` level of `traffic/v1/{id}/…` (with at least one level after it), else null. */
export function topicDeviceId(topic: string): string | null {
  if (!topic.startsWith(TRAFFIC)) return null;
  const end = topic.indexOf('/', TRAFFIC.length);
  if (end <= TRAFFIC.length || end === topic.length - 1) return null;
  return topic.slice(TRAFFIC.length, end);
}

const isNoSubscribe = (filter: string): boolean => filter === NOSUBSCRIBE || filter.startsWith(`${NOSUBSCRIBE}/`);

export function grantFor(identity: Identity, options: { reservedDeviceId?: (id: string) => boolean } = {}): Grant {
  const subscribeAny = (filter: string): SubscribeRefusal | null => (isNoSubscribe(filter) ? 'subscribe_nosubscribe' : null);
  if (identity.role === 'anonymous' || identity.role === 'operator') {
    const reserved = identity.role === 'anonymous' ? options.reservedDeviceId : undefined;
    return {
      identity,
      publish(topic) {
        if (topic.startsWith(SYS)) return 'publish_sys';
        if (reserved) {
          const id = topicDeviceId(topic);
          if (id !== null && reserved(id)) return 'publish_topic';
        }
        return null;
      },
      subscribe: subscribeAny,
    };
  }
  const own = `${TRAFFIC}${identity.id}/`;
  const ownSensors = `${TRAFFIC}${identity.id}.`;
  const inOwnTree = (topic: string): boolean => {
    // Fast path, the common case: the device's own id.
    if (topic.startsWith(own)) return topic.length > own.length;
    if (identity.role !== 'gateway' || !topic.startsWith(ownSensors)) return false;
    // traffic/v1/{gatewayId}.{local}/…: a non-empty local part, a level after it, no wildcard in the id level.
    const end = topic.indexOf('/', ownSensors.length);
    if (end <= ownSensors.length || end === topic.length - 1) return false;
    const plus = topic.indexOf('+', ownSensors.length);
    const hash = topic.indexOf('#', ownSensors.length);
    return (plus === -1 || plus > end) && (hash === -1 || hash > end);
  };
  return {
    identity,
    publish: (topic) => (inOwnTree(topic) ? null : 'publish_topic'),
    subscribe(filter) {
      if (isNoSubscribe(filter)) return 'subscribe_nosubscribe';
      return inOwnTree(filter) ? null : 'subscribe_topic';
    },
  };
}
