/**
 * The MQTT read guard's per-read work alone: MqttFrameScanner over a 64 KiB socket read full of
 * one-reading QoS 1 PUBLISH packets (what bench/embedded-throughput.ts sends).
 *
 *   npx tsx bench/frame-scanner.ts
 */
import mqttPacket from 'mqtt-packet';
import { MqttFrameScanner } from '../services/ingest/packet-size-guard.ts';

const one = mqttPacket.generate({ cmd: 'publish', topic: 'traffic/v1/bench-gw-1.s12/telemetry', payload: Buffer.alloc(260, 0x61), qos: 1, messageId: 7, retain: false, dup: false });
const packets = Math.floor(65_536 / one.length);
const chunk = Buffer.concat(Array.from({ length: packets }, () => one));
const scanner = new MqttFrameScanner(69_632);
for (let i = 0; i < 20_000; i++) scanner.scan(chunk, 1e9, 1e12); // warm-up: optimised code
const rounds = 50_000;
const started = process.hrtime.bigint();
for (let i = 0; i < rounds; i++) scanner.scan(chunk, 1e9, 1e12);
const ns = Number(process.hrtime.bigint() - started) / rounds;
process.stdout.write(`${one.length}-byte packets, ${packets} per 64 KiB read: ${ns.toFixed(0)} ns per read, ${(ns / packets).toFixed(1)} ns per packet\n`);
