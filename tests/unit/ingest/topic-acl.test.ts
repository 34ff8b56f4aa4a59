import { describe, expect, it } from 'vitest';
import { grantFor, topicDeviceId } from '../../../services/ingest/topic-acl.ts';

// README "MQTT security": who may publish and subscribe where.
describe('topic ACL', () => {
  const sensor = grantFor({ role: 'sensor', id: 'loop-1' });
  const gateway = grantFor({ role: 'gateway', id: 'gw7' });
  const operator = grantFor({ role: 'operator', id: 'ops' });

  it('when a sensor publishes under its own id, then it is allowed; anywhere else, then refused', () => {
    expect(sensor.publish('traffic/v1/loop-1/telemetry')).toBeNull();
    expect(sensor.publish('traffic/v1/loop-1/status')).toBeNull();
    for (const topic of ['traffic/v1/loop-2/telemetry', 'traffic/v1/loop-1', 'traffic/v1/loop-1/', 'traffic/v1/loop-10/telemetry', 'traffic/v1/loop-1.x/telemetry', 'city/lights', '$SYS/x']) {
      expect(sensor.publish(topic), topic).toBe('publish_topic');
    }
  });

  it('when a gateway publishes for itself or {gatewayId}.{local}, then it is allowed; for other ids, then refused', () => {
    expect(gateway.publish('traffic/v1/gw7/telemetry')).toBeNull();
    expect(gateway.publish('traffic/v1/gw7.l1/status')).toBeNull();
    expect(gateway.publish('traffic/v1/gw7.l1.a/telemetry')).toBeNull();
    for (const topic of ['traffic/v1/gw7./telemetry', 'traffic/v1/gw70/telemetry', 'traffic/v1/gw70.l1/telemetry', 'traffic/v1/gw8.l1/telemetry', 'traffic/v1/gw7.l1', 'traffic/v1/gw7']) {
      expect(gateway.publish(topic), topic).toBe('publish_topic');
    }
  });

  it('when a device subscribes to #, $SYS/#, a wildcard over devices or another device, then refused; its own tree, then allowed', () => {
    for (const filter of ['#', '$SYS/#', 'traffic/v1/+/telemetry', 'traffic/v1/#', 'traffic/v1/loop-2/#', '+/v1/loop-1/#']) {
      expect(sensor.subscribe(filter), filter).toBe('subscribe_topic');
    }
    expect(sensor.subscribe('traffic/v1/loop-1/#')).toBeNull();
    expect(sensor.subscribe('traffic/v1/loop-1/config')).toBeNull();
    expect(gateway.subscribe('traffic/v1/gw7.l1/config')).toBeNull();
    expect(gateway.subscribe('traffic/v1/gw7/+')).toBeNull();
    expect(gateway.subscribe('traffic/v1/gw7.+/config')).toBe('subscribe_topic');
    expect(gateway.subscribe('traffic/v1/gw8/#')).toBe('subscribe_topic');
  });

  it('when an operator subscribes to anything, then allowed, except test/nosubscribe; it may not publish under $SYS/', () => {
    for (const filter of ['#', '$SYS/#', 'traffic/v1/+/telemetry']) expect(operator.subscribe(filter), filter).toBeNull();
    expect(operator.subscribe('test/nosubscribe')).toBe('subscribe_nosubscribe');
    expect(operator.publish('traffic/v1/loop-1/config')).toBeNull();
    expect(operator.publish('$SYS/broker/x')).toBe('publish_sys');
  });

  it('when anonymous, then everything as an open broker except $SYS/ publishes, test/nosubscribe and (mixed mode) topics of devices with accounts', () => {
    const anonymous = grantFor({ role: 'anonymous' }, { reservedDeviceId: (id) => id === 'loop-1' });
    expect(anonymous.subscribe('#')).toBeNull();
    expect(anonymous.subscribe('$SYS/#')).toBeNull();
    expect(anonymous.subscribe('test/nosubscribe')).toBe('subscribe_nosubscribe');
    expect(anonymous.subscribe('test/nosubscribe/deeper')).toBe('subscribe_nosubscribe');
    expect(anonymous.subscribe('test/nosubscriber')).toBeNull();
    expect(anonymous.publish('traffic/v1/loop-9/telemetry')).toBeNull();
    expect(anonymous.publish('$TopicA/B')).toBeNull();
    expect(anonymous.publish('$SYS/x')).toBe('publish_sys');
    expect(anonymous.publish('traffic/v1/loop-1/telemetry')).toBe('publish_topic');
  });

  it('when a topic is parsed, then the id level is found only with a level after it', () => {
    expect(topicDeviceId('traffic/v1/a.b/telemetry')).toBe('a.b');
    expect(topicDeviceId('traffic/v1/a')).toBeNull();
    expect(topicDeviceId('traffic/v1/a/')).toBeNull();
    expect(topicDeviceId('traffic/v1//x')).toBeNull();
    expect(topicDeviceId('traffic/v2/a/x')).toBeNull();
  });
});
