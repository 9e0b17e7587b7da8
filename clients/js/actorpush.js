// actorpush.js: the browser client for ActorPush (protocol actorpush.v1, docs/protocol.md).
// A dependency-free ES module. One ActorPush object keeps one WebSocket open, reconnects with
// exponential backoff and full jitter, resubscribes its topics on every reconnect, and tells the
// page what happens through events: 'message', 'state', 'welcome', 'error', 'close'.

export const PROTOCOL = 'actorpush.v1';
export const TOKEN_PROTOCOL_PREFIX = 'actorpush.token.';

/** The connection's states, in the order a normal life goes through them. */
export const States = Object.freeze({
  connecting: 'connecting',
  open: 'open',
  reconnecting: 'reconnecting',
  closed: 'closed',
});

/**
 * What the client does after each close code: 'retry' (backoff), 'slow' (backoff with a long floor),
 * 'stop' (state closed, no retry), 'token' (fetch a fresh token once, then retry; stop if it comes again).
 * Codes not listed are retried with backoff.
 */
export const CloseCodePolicy = Object.freeze({
  1000: 'retry', 1001: 'retry', 1006: 'retry', 1011: 'retry', 4008: 'retry', 4503: 'retry',
  4029: 'slow', 4429: 'slow',
  4003: 'stop', 4403: 'stop', 4400: 'stop', 1002: 'stop',
  4401: 'token',
});

const defaults = Object.freeze({
  minDelay: 500, // first backoff ceiling (ms); each attempt doubles it
  maxDelay: 20000, // backoff ceiling cap (ms)
  slowDelay: 10000, // floor after 4029/4429 (ms)
  stableAfter: 10000, // an open connection this old resets the backoff (ms)
  maxQueue: 100, // publishes held while not open; more are refused
  requestTimeout: 10000, // a request without ack or error by then is rejected (ms)
  keepalive: 25000, // until the welcome says otherwise (ms)
  keepaliveTimeout: 10000,
});

/** An error the server or the client reports for one request (subscribe, publish, ...). */
export class ActorPushError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'ActorPushError';
    this.code = code;
  }
}

export class ActorPush {
  /**
   * @param {string} url ws:// or wss:// URL of /im, or a path such as '/im' (resolved against the page).
   * @param {object} [options] userId, topics, token (string or function returning a string or a promise),
   *   plus tuning (see defaults) and, for tests, WebSocket, random, timers and window.
   */
  constructor(url, options = {}) {
    this.url = url;
    this.options = { ...defaults, ...options };
    this.userId = options.userId;
    this.state = States.connecting;
    this.reconnects = 0;
    this.connectionId = null;
    this.node = null;
    this.lastClose = null;
    this._topics = new Set(options.topics || []);
    this._listeners = new Map();
    this._queue = [];
    this._pending = new Map();
    this._nextId = 1;
    this._attempt = 0;
    this._tokenRetried = false;
    this._token = typeof options.token === 'string' ? options.token : null;
    this._ws = null;
    this._timers = {};
    this._WebSocket = options.WebSocket || globalThis.WebSocket;
    this._random = options.random || Math.random;
    this._setTimeout = options.setTimeout || globalThis.setTimeout.bind(globalThis);
    this._clearTimeout = options.clearTimeout || globalThis.clearTimeout.bind(globalThis);
    this._window = options.window !== undefined ? options.window : (typeof window !== 'undefined' ? window : null);
    this._keepalive = this.options.keepalive;
    this._keepaliveTimeout = this.options.keepaliveTimeout;
    this._onOnline = () => this._wake();
    this._onVisible = () => {
      const doc = this._window && this._window.document;
      if (doc && doc.visibilityState === 'visible') this._wake(true);
    };
    if (this._window && this._window.addEventListener) {
      this._window.addEventListener('online', this._onOnline);
      if (this._window.document) this._window.document.addEventListener('visibilitychange', this._onVisible);
    }
    this._connect();
  }

  /** The topics this client wants (subscribed now or at the next connect). */
  get topics() {
    return [...this._topics];
  }

  /** Adds a listener; returns a function that removes it. */
  on(event, listener) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(listener);
    return () => this.off(event, listener);
  }

  off(event, listener) {
    const set = this._listeners.get(event);
    if (set) set.delete(listener);
  }

  /**
   * Subscribes to a topic. While open, the promise settles with the server's ack or error; otherwise
   * the topic is kept and subscribed at the next connect, and the promise resolves when that opens.
   */
  subscribe(topic) {
    if (this.state === States.closed) return Promise.reject(new ActorPushError('closed', 'the client is closed'));
    const known = this._topics.has(topic);
    this._topics.add(topic);
    if (!this._isOpen()) return this._whenOpen();
    if (known) return Promise.resolve();
    return this._request({ type: 'subscribe', topic }).catch((error) => {
      this._topics.delete(topic);
      throw error;
    });
  }

  /** Unsubscribes from a topic (also from the next connects). */
  unsubscribe(topic) {
    const known = this._topics.delete(topic);
    if (!known || !this._isOpen()) return Promise.resolve();
    return this._request({ type: 'unsubscribe', topic });
  }

  /**
   * Publishes to everyone (when the server allows clients to publish). A string goes as text, an
   * ArrayBuffer or typed array as binary. While not open, up to maxQueue publishes wait and leave on
   * the next open; beyond that, or once closed, the promise is rejected with code 'queue_full' or 'closed'.
   */
  send(data) {
    if (this.state === States.closed) return Promise.reject(new ActorPushError('closed', 'the client is closed'));
    const message = typeof data === 'string'
      ? { type: 'publish', data }
      : { type: 'publish', kind: 'binary', data: toBase64(data) };
    if (this._isOpen()) return this._request(message);
    if (this._queue.length >= this.options.maxQueue) {
      return Promise.reject(new ActorPushError('queue_full', `not connected and ${this.options.maxQueue} messages already wait`));
    }
    return new Promise((resolve, reject) => this._queue.push({ message, resolve, reject }));
  }

  /** Closes for good: no reconnect; queued sends and open requests are rejected. */
  close() {
    this._stop(1000, 'client closed');
  }

  // ----- connection life -----

  async _connect() {
    this._clearTimer('retry');
    if (this.state === States.closed) return;
    if (this._token === null && typeof this.options.token === 'function') {
      try {
        this._token = await this.options.token();
      } catch (error) {
        this._emit('error', new ActorPushError('token', `the token callback failed: ${error && error.message}`));
        this._scheduleRetry('retry');
        return;
      }
      if (this.state === States.closed) return;
    }
    const protocols = [PROTOCOL];
    if (this._token) protocols.push(TOKEN_PROTOCOL_PREFIX + this._token);
    let ws;
    try {
      ws = new this._WebSocket(this._buildUrl(), protocols);
    } catch (error) {
      this._emit('error', error);
      this._stop(1002, 'bad url');
      return;
    }
    this._ws = ws;
    this._welcomed = false;
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (event) => this._onFrame(ws, event.data);
    ws.onclose = (event) => this._onClose(ws, event.code, event.reason);
    ws.onerror = () => {}; // a close event follows with the code
    this._armWatchdog();
  }

  _buildUrl() {
    let base = this.url;
    if (base.startsWith('/') && this._window && this._window.location) {
      const loc = this._window.location;
      base = (loc.protocol === 'https:' ? 'wss://' : 'ws://') + loc.host + base;
    }
    const params = [];
    if (this.userId !== undefined && this.userId !== null && !this._token) params.push('user_id=' + encodeURIComponent(this.userId));
    if (this._topics.size > 0) params.push('topics=' + [...this._topics].map(encodeURIComponent).join(','));
    if (params.length === 0) return base;
    return base + (base.includes('?') ? '&' : '?') + params.join('&');
  }

  _onFrame(ws, data) {
    if (ws !== this._ws) return;
    this._armWatchdog();
    if (typeof data !== 'string') return; // actorpush.v1 sends only text envelopes
    let envelope;
    try {
      envelope = JSON.parse(data);
    } catch {
      this._emit('error', new ActorPushError('bad_envelope', 'the server sent a frame that is not JSON'));
      return;
    }
    switch (envelope.type) {
      case 'message': {
        const msg = { stream: envelope.stream, kind: envelope.kind || 'text', data: envelope.data };
        if (msg.kind === 'binary') msg.data = fromBase64(envelope.data);
        if (envelope.offset !== undefined) msg.offset = envelope.offset;
        if (envelope.epoch !== undefined) msg.epoch = envelope.epoch;
        this._emit('message', msg);
        break;
      }
      case 'welcome':
        this._onWelcome(envelope);
        break;
      case 'ack':
      case 'pong':
        this._settle(envelope.id, null);
        break;
      case 'error': {
        const error = new ActorPushError(envelope.code, envelope.message);
        if (!this._settle(envelope.id, error)) this._emit('error', error);
        break;
      }
      case 'ping':
        break; // the server's keepalive: the watchdog was re-armed above
      default:
        break; // types added later are ignored
    }
  }

  _onWelcome(welcome) {
    if (this._everOpened) this.reconnects++;
    this._everOpened = true;
    this._welcomed = true;
    this._tokenRetried = false; // a token that worked may be refreshed again after a later 4401
    this.connectionId = welcome.connection;
    this.userId = welcome.user;
    this.node = welcome.node;
    if (welcome.keepalive > 0) this._keepalive = welcome.keepalive;
    if (welcome.keepaliveTimeout > 0) this._keepaliveTimeout = welcome.keepaliveTimeout;
    this._armWatchdog();
    this._clearTimer('stable');
    this._timers.stable = this._setTimeout(() => { this._attempt = 0; }, this.options.stableAfter);
    this._setState(States.open);
    this._emit('welcome', welcome);
    const queued = this._queue;
    this._queue = [];
    for (const item of queued) this._request(item.message).then(item.resolve, item.reject);
    const waiting = this._openWaiters || [];
    this._openWaiters = [];
    for (const resolve of waiting) resolve();
  }

  _onClose(ws, code, reason) {
    if (ws !== this._ws) return;
    this._ws = null;
    this._clearTimer('watchdog');
    this._clearTimer('probe');
    this._clearTimer('stable');
    this.lastClose = { code, reason };
    this._emit('close', { code, reason });
    this._rejectPending(new ActorPushError('disconnected', `connection closed (${code})`));
    if (this.state === States.closed) return;
    let action = CloseCodePolicy[code] || 'retry';
    if (action === 'token') {
      if (typeof this.options.token === 'function' && !this._tokenRetried) {
        this._tokenRetried = true;
        this._token = null; // the callback is asked again before the next connect
        this._attempt = 0;
      } else {
        action = 'stop';
      }
    }
    if (action === 'stop') {
      this._stop(code, reason, true);
      return;
    }
    this._scheduleRetry(action);
  }

  _scheduleRetry(action) {
    this._setState(States.reconnecting);
    const ceiling = Math.min(this.options.maxDelay, this.options.minDelay * 2 ** this._attempt);
    this._attempt++;
    let delay = Math.floor(this._random() * ceiling); // full jitter
    if (action === 'slow') delay = Math.max(delay, this.options.slowDelay);
    this._clearTimer('retry');
    this._timers.retry = this._setTimeout(() => this._connect(), delay);
  }

  /** online, or the page became visible: reconnect now if the socket is dead (probe it if open). */
  _wake(probe) {
    if (this.state === States.closed) return;
    if (this._ws && this._ws.readyState === 1) {
      if (probe && this._welcomed) this._probe();
      return;
    }
    if (this.state === States.reconnecting) this._connect();
  }

  // ----- keepalive -----

  // Any frame re-arms the watchdog. After `keepalive` ms of silence the client pings; if nothing at all
  // arrives within `keepaliveTimeout` more, the connection counts as dead and is replaced.
  _armWatchdog() {
    this._clearTimer('watchdog');
    this._clearTimer('probe');
    this._timers.watchdog = this._setTimeout(() => this._probe(), this._keepalive);
  }

  _probe() {
    const ws = this._ws;
    if (!ws) return;
    this._clearTimer('probe');
    this._timers.probe = this._setTimeout(() => {
      if (ws !== this._ws) return;
      this._emit('error', new ActorPushError('keepalive', 'no keepalive from the server: reconnecting'));
      try { ws.close(4000, 'keepalive timeout'); } catch { /* already closing */ }
      this._onClose(ws, 1006, 'keepalive timeout');
    }, this._keepaliveTimeout);
    this._sendJson({ type: 'ping', id: this._nextId++ });
  }

  // ----- requests -----

  _request(message) {
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      const timer = this._setTimeout(() => {
        this._pending.delete(id);
        reject(new ActorPushError('timeout', `no answer to ${message.type} in ${this.options.requestTimeout} ms`));
      }, this.options.requestTimeout);
      this._pending.set(id, { resolve, reject, timer });
      if (!this._sendJson({ ...message, id })) {
        this._settle(id, new ActorPushError('disconnected', 'the connection is not open'));
      }
    });
  }

  _settle(id, error) {
    const pending = this._pending.get(id);
    if (!pending) return false;
    this._pending.delete(id);
    this._clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve();
    return true;
  }

  _rejectPending(error) {
    for (const id of [...this._pending.keys()]) this._settle(id, error);
  }

  _sendJson(message) {
    if (!this._ws || this._ws.readyState !== 1) return false;
    this._ws.send(JSON.stringify(message));
    return true;
  }

  _whenOpen() {
    if (!this._openWaiters) this._openWaiters = [];
    return new Promise((resolve) => this._openWaiters.push(resolve));
  }

  _isOpen() {
    return this.state === States.open && this._ws && this._ws.readyState === 1;
  }

  // ----- helpers -----

  _stop(code, reason, fromServer) {
    if (this.state === States.closed) return;
    for (const name of Object.keys(this._timers)) this._clearTimer(name);
    const ws = this._ws;
    this._ws = null;
    if (ws && !fromServer) {
      try { ws.close(1000, reason); } catch { /* already closed */ }
    }
    if (this._window && this._window.removeEventListener) {
      this._window.removeEventListener('online', this._onOnline);
      if (this._window.document) this._window.document.removeEventListener('visibilitychange', this._onVisible);
    }
    this.lastClose = this.lastClose && fromServer ? this.lastClose : { code, reason };
    const error = new ActorPushError('closed', `the client is closed (${code}${reason ? ' ' + reason : ''})`);
    this._rejectPending(error);
    for (const item of this._queue) item.reject(error);
    this._queue = [];
    this._setState(States.closed);
  }

  _setState(state) {
    if (this.state === state) return;
    this.state = state;
    this._emit('state', state);
  }

  _emit(event, value) {
    const set = this._listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(value);
      } catch (error) {
        if (event !== 'error') this._emit('error', error);
      }
    }
  }

  _clearTimer(name) {
    if (this._timers[name] !== undefined) {
      this._clearTimeout(this._timers[name]);
      delete this._timers[name];
    }
  }
}

function toBase64(data) {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(text) {
  const raw = atob(text || '');
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes.buffer;
}

export default ActorPush;
