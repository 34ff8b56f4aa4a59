/** Bus topics (DESIGN §6). `status` is an addition: sensor status/last-will messages for the sensor view. */
export const TOPICS = {
  telemetry: 'traffic.telemetry.v1',
  deadLetter: 'traffic.telemetry.dlq',
  congestion: 'traffic.congestion.v1',
  status: 'traffic.status.v1',
  /** Congestion alerts raised, acknowledged or cleared (issue 12); key = segmentId, value = an AlertEvent. */
  alerts: 'traffic.alerts.v1',
} as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** MQTT topics sensors publish on (DESIGN §2). */
export const MQTT_TELEMETRY = /^traffic\/v1\/([A-Za-z0-9._-]{1,64})\/telemetry$/;
export const MQTT_STATUS = /^traffic\/v1\/([A-Za-z0-9._-]{1,64})\/status$/;
/** FIWARE TrafficFlowObserved (keyValues) from sensors that speak NGSI (README "NGSI-LD (FIWARE)"). */
export const MQTT_NGSI = /^traffic\/v1\/([A-Za-z0-9._-]{1,64})\/ngsi$/;
export const mqttNgsiTopic = (sensorId: string): string => `traffic/v1/${sensorId}/ngsi`;
export const mqttTelemetryTopic = (sensorId: string): string => `traffic/v1/${sensorId}/telemetry`;
export const mqttStatusTopic = (sensorId: string): string => `traffic/v1/${sensorId}/status`;
