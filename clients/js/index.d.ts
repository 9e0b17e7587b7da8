// TypeScript declarations for actorpush.js (protocol actorpush.v1, see docs/protocol.md).

export declare const PROTOCOL: 'actorpush.v1';
export declare const TOKEN_PROTOCOL_PREFIX: 'actorpush.token.';

export type State = 'connecting' | 'open' | 'reconnecting' | 'closed';
export declare const States: Readonly<Record<State, State>>;

/** What the client does after a close code; codes not listed are retried with backoff. */
export type CloseAction = 'retry' | 'slow' | 'stop' | 'token';
export declare const CloseCodePolicy: Readonly<Record<number, CloseAction>>;

/** `broadcast`, `user` (this user's own stream) or `topic:<name>`. */
export type Stream = 'broadcast' | 'user' | `topic:${string}`;

export interface Message {
  stream: Stream;
  kind: 'text' | 'binary';
  /** A string for text messages, an ArrayBuffer for binary ones. */
  data: string | ArrayBuffer;
  /** Reserved for message recovery; not sent yet. */
  offset?: number;
  epoch?: string;
}

export interface Welcome {
  type: 'welcome';
  protocol: 'actorpush.v1';
  connection: string;
  user: string;
  node: string;
  keepalive: number;
  keepaliveTimeout: number;
  topics: string[];
}

export interface CloseInfo {
  code: number;
  reason: string;
}

export declare class ActorPushError extends Error {
  /** The server's error code (bad_request, bad_topic, topic_not_allowed, too_many_topics, publish_disabled)
   * or the client's (closed, queue_full, disconnected, timeout, keepalive, token). */
  code: string;
  constructor(code: string, message: string);
}

export interface ActorPushOptions {
  /** The user id (ignored by a server that takes the user from the token). */
  userId?: string;
  /** Topics subscribed at connect and after every reconnect. */
  topics?: string[];
  /** A JWT, or a function returning one (called before the first connect and once more after a 4401). */
  token?: string | (() => string | Promise<string>);
  /** First backoff ceiling in ms (500); doubles per attempt up to maxDelay. */
  minDelay?: number;
  /** Backoff ceiling cap in ms (20000). */
  maxDelay?: number;
  /** Least wait after 4029 or 4429, in ms (10000). */
  slowDelay?: number;
  /** An open connection this old (ms) resets the backoff (10000). */
  stableAfter?: number;
  /** Publishes held while not open (100); beyond it send() rejects with code 'queue_full'. */
  maxQueue?: number;
  /** A request not answered within this many ms is rejected with code 'timeout' (10000). */
  requestTimeout?: number;
  /** Keepalive interval and timeout in ms until the server's welcome gives its own. */
  keepalive?: number;
  keepaliveTimeout?: number;
  /** For tests: a WebSocket class, a random source, timers and a window to listen on. */
  WebSocket?: unknown;
  random?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  window?: unknown;
}

export interface ActorPushEvents {
  message: Message;
  state: State;
  welcome: Welcome;
  error: Error;
  close: CloseInfo;
}

export declare class ActorPush {
  constructor(url: string, options?: ActorPushOptions);
  readonly url: string;
  readonly state: State;
  /** How many times the connection opened again after the first open. */
  readonly reconnects: number;
  readonly connectionId: string | null;
  readonly userId: string | undefined;
  readonly node: string | null;
  readonly lastClose: CloseInfo | null;
  readonly topics: string[];
  on<E extends keyof ActorPushEvents>(event: E, listener: (value: ActorPushEvents[E]) => void): () => void;
  off<E extends keyof ActorPushEvents>(event: E, listener: (value: ActorPushEvents[E]) => void): void;
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): Promise<void>;
  send(data: string | ArrayBuffer | ArrayBufferView): Promise<void>;
  close(): void;
}

export default ActorPush;
