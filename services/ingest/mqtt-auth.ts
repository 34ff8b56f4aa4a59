import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { TLSSocket } from 'node:tls';
import type { AuthenticateError, Client, ConnectPacket, Subscription } from 'aedes';
import {
  CredentialsFileError,
  hashSecret,
  readCredentialsFile,
  verifySecret,
  type CredentialEntry,
  type ScryptSecret,
} from '../../shared/credentials/credentials-file.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import { PUBLISH_REFUSALS, SUBSCRIBE_REFUSALS, grantFor, type Grant, type Identity } from './topic-acl.ts';

/** CONNECT refusals, then what a connected client was refused (labels of roadpulse_mqtt_refusals_total). */
export const MQTT_REFUSAL_REASONS = [
  'bad_credentials',
  'anonymous',
  'client_id',
  'zero_length_client_id',
  'will_topic',
  ...PUBLISH_REFUSALS,
  ...SUBSCRIBE_REFUSALS,
  'credentials_revoked',
] as const;
export type MqttRefusalReason = (typeof MQTT_REFUSAL_REASONS)[number];

// CONNACK return codes [MQTT-3.2.2-3], table 3.1.
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

export interface MqttAccessOptions {
  /** ROADPULSE_MQTT_CREDENTIALS_FILE; none: no accounts. */
  credentialsFile?: string;
  allowAnonymous: boolean;
  /** The MQTT listener's address, for the warning about anonymous access off loopback. */
  host: string;
  log: Logger;
  metrics: Metrics;
}

interface ConnectFacts {
  emptyClientId: boolean;
  willTopic: string | null;
}

interface Accounts {
  entries: Map<string, CredentialEntry>;
  /** Per id, what a connection's grant depends on: when it changes (or goes), the connection's next publish is refused. */
  versions: Map<string, string>;
}

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || host.startsWith('127.');

function connackCode(reason: MqttRefusalReason): number {
  if (reason === 'zero_length_client_id' || reason === 'client_id') return IDENTIFIER_REJECTED;
  return reason === 'bad_credentials' ? BAD_USERNAME_OR_PASSWORD : NOT_AUTHORIZED;
}

function refusal(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/**
 * Authentication and topic ACL of the embedded broker, as aedes hooks. Accounts come from the
 * credentials file and are reloaded when it changes (fs.watch on its directory, so an atomic
 * rename is seen) and on SIGHUP; a file that does not parse on reload keeps the old accounts.
 */
export class MqttAccess {
  private accounts: Accounts = { entries: new Map(), versions: new Map() };
  private readonly grants = new WeakMap<Client, { grant: Grant; version: string | null }>();
  private readonly connects = new WeakMap<Client, ConnectFacts>();
  /**
   * HMAC (random per-process key) of the last password that passed scrypt, per id: a reconnecting
   * device costs one HMAC instead of 16 MiB and ~40 ms of scrypt. Emptied on every reload.
   */
  private verified = new Map<string, Buffer>();
  private readonly cacheKey = randomBytes(32);
  /** A secret no password matches, for unknown user names; made on first use. */
  private dummySecret: Promise<ScryptSecret> | null = null;
  private readonly log: Logger;
  private watcher: FSWatcher | null = null;
  private reloadTimer: NodeJS.Timeout | null = null;
  private readonly onSighup = (): void => this.reload('SIGHUP');

  private constructor(private readonly opts: MqttAccessOptions) {
    this.log = opts.log.child({ component: 'mqtt-auth' });
    for (const reason of MQTT_REFUSAL_REASONS) opts.metrics.mqttRefusals.inc({ reason }, 0);
  }

  /** Reads the credentials file (a bad one throws, naming the variable) and starts watching it. */
  static start(opts: MqttAccessOptions): MqttAccess {
    const access = new MqttAccess(opts);
    const file = opts.credentialsFile;
    if (!file && !opts.allowAnonymous) {
      throw new Error('ROADPULSE_MQTT_ALLOW_ANONYMOUS=false needs ROADPULSE_MQTT_CREDENTIALS_FILE: no MQTT client could connect');
    }
    if (file) {
      try {
        access.load(file);
      } catch (err) {
        throw new Error(`ROADPULSE_MQTT_CREDENTIALS_FILE: ${(err as Error).message}`, { cause: err });
      }
      access.watch(file);
      if ((statSync(file).mode & 0o077) !== 0) access.log.warn({ file }, 'the MQTT credentials file is readable by group or others; chmod 600 it');
    }
    if (opts.allowAnonymous && !isLoopback(opts.host)) {
      access.log.warn(
        { host: opts.host, accounts: access.accounts.entries.size },
        'MQTT ACCEPTS ANONYMOUS CLIENTS ON A NON-LOOPBACK ADDRESS: anyone who reaches it can publish as any sensor without credentials. ' +
          'Set ROADPULSE_MQTT_CREDENTIALS_FILE (and leave ROADPULSE_MQTT_ALLOW_ANONYMOUS unset), or listen on 127.0.0.1',
      );
    }
    access.log.info({ accounts: access.accounts.entries.size, allowAnonymous: opts.allowAnonymous, file: file ?? null }, 'MQTT access control');
    return access;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    process.off('SIGHUP', this.onSighup);
  }

  // ---- aedes hooks ----

  /** Notes what authenticate() cannot see: whether the client id was empty [MQTT-3.1.3-8], and the will topic. */
  preConnect(client: Client, packet: ConnectPacket, callback: (error: Error | null, success: boolean) => void): void {
    this.connects.set(client, { emptyClientId: !packet.clientId, willTopic: packet.will?.topic ?? null });
    callback(null, true);
  }

  authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    callback: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    this.identify(client, username, password).then(
      (result) => {
        if (typeof result === 'string') {
          this.refused(result, { clientId: client.id, username: username ?? null });
          return callback(refusal(connackCode(result), result), false);
        }
        callback(null, true);
      },
      (err: Error) => {
        this.log.error({ err, clientId: client.id }, 'MQTT authentication failed');
        callback(refusal(3, 'server unavailable'), false);
      },
    );
  }

  /** Synchronous (the hot path): null when allowed, else the error that makes aedes close the connection. */
  authorizePublish(client: Client | null, topic: string): Error | null {
    if (client === null) return null; // a will of a client already gone: checked at its CONNECT
    const held = this.grants.get(client);
    if (held === undefined) return new Error('publish before authentication'); // fail closed (aedes authenticates before any publish)
    const reason = this.revoked(held) ? 'credentials_revoked' : held.grant.publish(topic);
    if (reason === null) return null;
    this.refused(reason, { clientId: client.id, identity: held.grant.identity, topic });
    return new Error(`publish to ${topic} not authorized (${reason})`);
  }

  /** A refused subscription gets SUBACK 0x80 for that filter only [MQTT-3.9.3-2]; the connection stays. */
  authorizeSubscribe(client: Client, sub: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
    const held = this.grants.get(client);
    if (held === undefined) return callback(null, null); // fail closed, as above
    const reason = this.revoked(held) ? 'credentials_revoked' : held.grant.subscribe(sub.topic);
    if (reason === null) return callback(null, sub);
    this.refused(reason, { clientId: client.id, identity: held.grant.identity, filter: sub.topic });
    callback(null, null);
  }

  // ---- internals ----

  private async identify(client: Client, username: string | undefined, password: Buffer | undefined): Promise<Grant | MqttRefusalReason> {
    const facts = this.connects.get(client) ?? { emptyClientId: false, willTopic: null };
    // [MQTT-3.1.3-8]: a zero-length client id needs CleanSession = 1, else CONNACK 0x02.
    if (facts.emptyClientId && !client.clean) return 'zero_length_client_id';

    let entry: CredentialEntry | undefined;
    const certificateId = this.certificateId(client);
    if (certificateId !== null) {
      // A client certificate the TLS listener verified against its CA: CN = the account id.
      entry = this.accounts.entries.get(certificateId);
      if (username !== undefined && username !== certificateId) return 'bad_credentials';
      // A certificate without an account is an anonymous client where anonymous access is allowed.
      if (entry === undefined && !this.opts.allowAnonymous) return 'bad_credentials';
    } else if (username !== undefined) {
      entry = await this.checkPassword(username, password);
      if (entry === undefined) return 'bad_credentials';
    } else if (!this.opts.allowAnonymous) {
      return 'anonymous';
    }

    const identity: Identity = entry ? { role: entry.role, id: entry.id } : { role: 'anonymous' };
    if (!this.clientIdAllowed(identity, client.id, facts.emptyClientId)) return 'client_id';
    const grant = grantFor(identity, { reservedDeviceId: (id) => this.isReserved(id) });
    if (facts.willTopic !== null && grant.publish(facts.willTopic) !== null) return 'will_topic';
    this.grants.set(client, { grant, version: entry ? (this.accounts.versions.get(entry.id) ?? null) : null });
    this.log.debug({ clientId: client.id, identity }, 'MQTT client authenticated');
    return grant;
  }

  private certificateId(client: Client): string | null {
    const conn = client.conn;
    if (!(conn instanceof TLSSocket) || !conn.authorized) return null;
    const cn = conn.getPeerCertificate().subject?.CN;
    // Node gives an array when the subject has several CNs: ambiguous, not an identity.
    return typeof cn === 'string' && cn.length > 0 ? cn : null;
  }

  private async checkPassword(id: string, password: Buffer | undefined): Promise<CredentialEntry | undefined> {
    const entry = this.accounts.entries.get(id);
    const given = password ?? Buffer.alloc(0);
    if (entry?.secret == null) {
      // Unknown account (or certificate-only): spend the same scrypt so timing does not tell which ids exist.
      await verifySecret(await (this.dummySecret ??= hashSecret(randomBytes(16).toString('hex'))), given);
      return undefined;
    }
    const mac = createHmac('sha256', this.cacheKey).update(entry.secret.hash).update(given).digest();
    const cached = this.verified.get(id);
    if (cached !== undefined && timingSafeEqual(cached, mac)) return entry;
    const secret = entry.secret;
    if (!(await verifySecret(secret, given))) return undefined;
    // Remember only if the account was not changed meanwhile (a reload during scrypt).
    if (this.accounts.entries.get(id)?.secret === secret) this.verified.set(id, mac);
    return entry;
  }

  /**
   * A device's client id is its account id, `{id}:{anything}` (a second connection), or empty
   * with a clean session (the broker assigns one), so that no device can take over another's
   * session [MQTT-3.1.4-2]. An anonymous client may not use an id that names an account.
   */
  private clientIdAllowed(identity: Identity, clientId: string, empty: boolean): boolean {
    if (empty || identity.role === 'operator') return true;
    const colon = clientId.indexOf(':');
    const base = colon === -1 ? clientId : clientId.slice(0, colon);
    if (identity.role === 'anonymous') return !this.accounts.entries.has(base);
    return base === identity.id;
  }

  /** In mixed mode (anonymous and accounts), topics of a device with an account are its own. */
  private isReserved(deviceId: string): boolean {
    const entries = this.accounts.entries;
    if (entries.size === 0) return false;
    if (entries.has(deviceId)) return true;
    for (let dot = deviceId.indexOf('.'); dot !== -1; dot = deviceId.indexOf('.', dot + 1)) {
      if (entries.get(deviceId.slice(0, dot))?.role === 'gateway') return true;
    }
    return false;
  }

  private revoked(held: { grant: Grant; version: string | null }): boolean {
    if (held.version === null) return false;
    const identity = held.grant.identity as { id: string };
    return this.accounts.versions.get(identity.id) !== held.version;
  }

  private refused(reason: MqttRefusalReason, context: Record<string, unknown>): void {
    this.opts.metrics.mqttRefusals.inc({ reason });
    this.log.warn({ ...context, reason }, 'MQTT refused');
  }

  private load(file: string): void {
    const parsed = readCredentialsFile(file);
    const entries = new Map(parsed.credentials.map((e) => [e.id, e]));
    const versions = new Map(parsed.credentials.map((e) => [e.id, `${e.role}:${e.secret?.hash ?? 'certificate'}`]));
    this.accounts = { entries, versions };
    this.verified = new Map();
  }

  private watch(file: string): void {
    process.on('SIGHUP', this.onSighup);
    try {
      // The directory, not the file: an atomic rename replaces the file's inode, which a watch on it would lose.
      this.watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
        if (name !== basename(file)) return;
        if (this.reloadTimer) clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => this.reload('file changed'), 50);
      });
      this.watcher.on('error', (err) => this.log.error({ err, file }, 'cannot watch the MQTT credentials file; reload it with SIGHUP'));
    } catch (err) {
      this.log.error({ err, file }, 'cannot watch the MQTT credentials file; reload it with SIGHUP');
    }
  }

  /** Re-reads the file; on any problem keeps the accounts it has. */
  reload(cause: string): void {
    const file = this.opts.credentialsFile;
    if (!file) return;
    try {
      const before = this.accounts;
      this.load(file);
      this.log.info({ file, cause, accounts: this.accounts.entries.size, before: before.entries.size }, 'MQTT credentials reloaded');
    } catch (err) {
      const problem = err instanceof CredentialsFileError ? err.message : String(err);
      this.log.error({ file, cause, problem }, 'MQTT credentials file is invalid; keeping the previous credentials');
    }
  }
}
