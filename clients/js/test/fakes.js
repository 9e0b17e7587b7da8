// Test doubles for actorpush.js unit tests: a WebSocket class whose instances the test drives by
// hand, and a clock whose timers fire only when the test advances it.

export class FakeClock {
  constructor() {
    this.now = 0;
    this.timers = new Map();
    this.nextId = 1;
    this.setTimeout = (fn, ms) => {
      const id = this.nextId++;
      this.timers.set(id, { at: this.now + ms, fn, ms });
      return id;
    };
    this.clearTimeout = (id) => this.timers.delete(id);
  }

  /** Runs every timer due within `ms`, in time order (timers set meanwhile included). */
  advance(ms) {
    const end = this.now + ms;
    for (;;) {
      let next = null;
      for (const [id, timer] of this.timers) if (timer.at <= end && (next === null || timer.at < next[1].at)) next = [id, timer];
      if (next === null) break;
      this.timers.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = end;
  }

  /** Delays of the pending timers, shortest first. */
  pending() {
    return [...this.timers.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }
}

export function fakeWebSocketClass() {
  const sockets = [];
  class FakeWebSocket {
    constructor(url, protocols) {
      this.url = url;
      this.protocols = protocols;
      this.readyState = 0;
      this.sent = [];
      this.closedWith = null;
      sockets.push(this);
    }

    send(data) {
      if (this.readyState !== 1) throw new Error('not open');
      this.sent.push(JSON.parse(data));
    }

    close(code, reason) {
      this.closedWith = { code, reason };
      this.readyState = 3;
    }

    // ----- what the test does as the server -----
    open(welcome = {}) {
      this.readyState = 1;
      this.receive({ type: 'welcome', protocol: 'actorpush.v1', connection: 'c' + sockets.indexOf(this), user: 'u', node: 'n', keepalive: 25000, keepaliveTimeout: 10000, topics: [], ...welcome });
    }

    receive(envelope) {
      this.onmessage({ data: typeof envelope === 'string' ? envelope : JSON.stringify(envelope) });
    }

    serverClose(code, reason = '') {
      this.readyState = 3;
      this.onclose({ code, reason });
    }

    lastSent() {
      return this.sent[this.sent.length - 1];
    }
  }
  return { FakeWebSocket, sockets };
}

/** Lets pending promise callbacks run. */
export const flush = () => new Promise((resolve) => setImmediate(resolve));
