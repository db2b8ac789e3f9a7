import { createHash } from 'node:crypto';
import {
  Channel,
  ChannelCredentials,
  credentials as grpcCredentials,
  type ChannelInterface,
  InterceptingCall,
  type ChannelOptions,
  type ClientOptions,
  type Interceptor,
} from '@grpc/grpc-js';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface TargetStats {
  /** Channels ever created for this target: 1 in a healthy process. */
  created: number;
  /** Times an existing channel was handed out instead of creating one. */
  reused: number;
  /** Channels open now. */
  live: number;
  /** Calls started through the pool's clients. */
  calls: number;
}

/**
 * TLS material as bytes. Prefer this to a ChannelCredentials object: grpc-js compares secure
 * credentials by object identity, so code that calls credentials.createSsl() per request would
 * get a channel per request. Equal bytes always share one channel.
 */
export interface TlsMaterial {
  readonly rootCerts?: Buffer | null;
  readonly privateKey?: Buffer | null;
  readonly certChain?: Buffer | null;
}

/** How to reach a target: plaintext, TLS material, or ready-made credentials (compared with grpc-js `_equals`). */
export type Transport = 'insecure' | TlsMaterial | ChannelCredentials;

/** What a client made by `pool.client` may add to the pool's own: interceptors (a ReadAfterSession's, say). */
export interface ClientExtras {
  readonly interceptors?: readonly Interceptor[];
}

/** A generated grpc-js client class: `new Client(address, credentials, options)`. */
export type GrpcClientConstructor<T> = new (address: string, credentials: ChannelCredentials, options: ClientOptions) => T;

export interface ChannelPoolOptions {
  /** Warn (log + metric) when one target has more live channels than this: the alarm the incident lacked. */
  readonly alarmThreshold?: number;
  /** Deadline given to calls that set none, so no call waits forever on a dead server. */
  readonly defaultDeadlineMs?: number;
  readonly channelOptions?: ChannelOptions;
  readonly registry?: Registry;
  readonly onAlarm?: (target: string, live: number) => void;
}

interface Entry {
  readonly target: string;
  readonly channel: Channel;
  readonly view: ChannelInterface;
}

/**
 * What clients get: the shared channel minus close(). grpc-js Client.close() closes its
 * channel, override or not, so one request-scoped client disposing itself would otherwise
 * cut every other user off. Only the pool closes channels.
 */
function sharedView(channel: Channel): ChannelInterface {
  return {
    close: () => undefined,
    getTarget: () => channel.getTarget(),
    getConnectivityState: (tryToConnect) => channel.getConnectivityState(tryToConnect),
    watchConnectivityState: (state, deadline, callback) => channel.watchConnectivityState(state, deadline, callback),
    getChannelzRef: () => channel.getChannelzRef(),
    createCall: (method, deadline, host, parent, flags) => channel.createCall(method, deadline, host, parent, flags),
  };
}

// Keepalive finds a dead peer between calls; short reconnect backoff lets the channel come back soon after the server does.
const DEFAULT_CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 5_000,
};

// Credentials are compared by value (grpc-js `_equals`), not identity: code that calls
// credentials.createInsecure() per request must still land on the one channel.
const knownCredentials: [ChannelCredentials, number][] = [];
const INSECURE = grpcCredentials.createInsecure();

function credentialId(creds: ChannelCredentials): number {
  const known = knownCredentials.find(([c]) => c === creds || c._equals(creds));
  if (known) return known[1];
  const id = knownCredentials.length + 1;
  knownCredentials.push([creds, id]);
  return id;
}

/**
 * One gRPC channel per (target, credentials, channel options) per process, whoever asks and
 * however often. Clients made from it are cheap views on the shared channel, so code that
 * builds a new repository per request still opens no new connection.
 */
export class ChannelPool {
  readonly #entries = new Map<string, Entry>();
  readonly #stats = new Map<string, TargetStats>();
  readonly #tls = new Map<string, ChannelCredentials>();
  readonly #options: ChannelPoolOptions;
  readonly #metrics:
    | { created: Counter<'target'>; reused: Counter<'target'>; live: Gauge<'target'>; calls: Counter<'target'>; alarms: Counter<'target'> }
    | undefined;
  #closed = false;

  constructor(options: ChannelPoolOptions = {}) {
    this.#options = options;
    const registers = options.registry ? [options.registry] : undefined;
    this.#metrics = registers && {
      created: new Counter({
        name: 'grpc_client_channels_created_total',
        help: 'gRPC channels created, by target',
        labelNames: ['target'],
        registers,
      }),
      reused: new Counter({
        name: 'grpc_client_channels_reused_total',
        help: 'gRPC channel reuses, by target',
        labelNames: ['target'],
        registers,
      }),
      live: new Gauge({ name: 'grpc_client_channels_live', help: 'gRPC channels open, by target', labelNames: ['target'], registers }),
      calls: new Counter({ name: 'grpc_client_calls_total', help: 'gRPC calls started, by target', labelNames: ['target'], registers }),
      alarms: new Counter({
        name: 'grpc_client_channel_alarms_total',
        help: 'Times a target went past the channel alarm threshold',
        labelNames: ['target'],
        registers,
      }),
    };
  }

  /** Credentials for a transport, the same object for equal TLS bytes. */
  credentials(transport: Transport = 'insecure'): ChannelCredentials {
    if (transport === 'insecure') return INSECURE;
    if (transport instanceof ChannelCredentials) return transport;
    const digest = createHash('sha256');
    for (const part of [transport.rootCerts, transport.privateKey, transport.certChain]) digest.update(part ?? '-').update('\u0000');
    const fingerprint = digest.digest('hex');
    let creds = this.#tls.get(fingerprint);
    if (!creds) {
      creds = grpcCredentials.createSsl(transport.rootCerts ?? null, transport.privateKey ?? null, transport.certChain ?? null);
      this.#tls.set(fingerprint, creds);
    }
    return creds;
  }

  /** The shared channel for this target (created on first use, synchronously, so concurrent first use still makes one). */
  channel(target: string, transport: Transport = 'insecure', options: ChannelOptions = {}): ChannelInterface {
    if (this.#closed) throw new Error('ChannelPool is closed');
    const creds = this.credentials(transport);
    const merged = { ...DEFAULT_CHANNEL_OPTIONS, ...this.#options.channelOptions, ...options };
    const key = `${target}\u0000${credentialId(creds)}\u0000${stableJson(merged)}`;
    const stats = this.#statsOf(target);
    const existing = this.#entries.get(key);
    if (existing) {
      stats.reused += 1;
      this.#metrics?.reused.inc({ target });
      return existing.view;
    }
    const channel = new Channel(target, creds, merged);
    const view = sharedView(channel);
    this.#entries.set(key, { target, channel, view });
    stats.created += 1;
    stats.live += 1;
    this.#metrics?.created.inc({ target });
    this.#metrics?.live.set({ target }, stats.live);
    const threshold = this.#options.alarmThreshold ?? 3;
    if (stats.live > threshold) {
      this.#metrics?.alarms.inc({ target });
      this.#options.onAlarm?.(target, stats.live);
    }
    return view;
  }

  /**
   * A client of any generated service (ts-proto's `OrderServiceClient`, or what proto-loader's
   * `loadPackageDefinition` gives) on the pool's shared channel, its calls counted. Cheap: make one
   * per request if your framework wants to; the channel and its connection are the pool's.
   */
  client<T>(Client: GrpcClientConstructor<T>, target: string, transport: Transport = 'insecure', options: ClientExtras = {}): T {
    const creds = this.credentials(transport);
    return new Client(target, creds, {
      channelOverride: this.channel(target, creds),
      interceptors: [this.interceptor(target), ...(options.interceptors ?? [])],
    });
  }

  /** Client interceptor that counts calls per target and gives calls without a deadline the default one. */
  interceptor(target: string): Interceptor {
    const stats = this.#statsOf(target);
    const defaultDeadlineMs = this.#options.defaultDeadlineMs ?? 5_000;
    return (options, nextCall) => {
      stats.calls += 1;
      this.#metrics?.calls.inc({ target });
      const deadline = options.deadline ?? Date.now() + defaultDeadlineMs;
      return new InterceptingCall(nextCall({ ...options, deadline }));
    };
  }

  stats(target: string): TargetStats {
    return { ...this.#statsOf(target) };
  }

  targets(): string[] {
    return [...this.#stats.keys()];
  }

  /** Closes every channel; wired into graceful shutdown. Calls in flight fail with CANCELLED/UNAVAILABLE. */
  close(): void {
    this.#closed = true;
    for (const { target, channel } of this.#entries.values()) {
      channel.close();
      const stats = this.#statsOf(target);
      stats.live -= 1;
      this.#metrics?.live.set({ target }, stats.live);
    }
    this.#entries.clear();
  }

  #statsOf(target: string): TargetStats {
    let stats = this.#stats.get(target);
    if (!stats) {
      stats = { created: 0, reused: 0, live: 0, calls: 0 };
      this.#stats.set(target, stats);
    }
    return stats;
  }
}

function stableJson(options: ChannelOptions): string {
  return JSON.stringify(
    Object.keys(options)
      .sort()
      .map((k): [string, unknown] => [k, options[k] as unknown]),
  );
}
