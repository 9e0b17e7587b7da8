import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActorPush, ActorPushError } from '../actorpush.js';
import { FakeClock, fakeWebSocketClass, flush } from './fakes.js';

function setup(options = {}) {
  const clock = new FakeClock();
  const { FakeWebSocket, sockets } = fakeWebSocketClass();
  const push = new ActorPush('ws://server/im', {
    userId: 'alice',
    WebSocket: FakeWebSocket,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    random: () => 0.5,
    window: null,
    ...options,
  });
  const states = [];
  push.on('state', (s) => states.push(s));
  return { push, clock, sockets, states };
}

test('connects with the actorpush.v1 subprotocol, user id and topics in the URL, and opens on the welcome', async () => {
  const { push, sockets, states } = setup({ topics: ['news', 'a/b'] });
  await flush();
  assert.equal(sockets.length, 1);
  assert.equal(sockets[0].url, 'ws://server/im?user_id=alice&topics=news,a%2Fb');
  assert.deepEqual(sockets[0].protocols, ['actorpush.v1']);
  assert.equal(push.state, 'connecting');
  sockets[0].open({ connection: 'conn-1', user: 'alice' });
  assert.equal(push.state, 'open');
  assert.equal(push.connectionId, 'conn-1');
  assert.deepEqual(states, ['open']);
});

test('a token goes in a second subprotocol value, never in the URL', async () => {
  const { sockets } = setup({ token: 'aaa.bbb.ccc' });
  await flush();
  assert.deepEqual(sockets[0].protocols, ['actorpush.v1', 'actorpush.token.aaa.bbb.ccc']);
  assert.ok(!sockets[0].url.includes('aaa.bbb.ccc'));
  assert.ok(!sockets[0].url.includes('user_id'), 'with a token the server takes the user from it');
});

test('messages carry their stream, kind and data; binary arrives as an ArrayBuffer', async () => {
  const { push, sockets } = setup();
  await flush();
  sockets[0].open();
  const got = [];
  push.on('message', (m) => got.push(m));
  sockets[0].receive({ type: 'message', stream: 'topic:news', kind: 'text', data: 'hello' });
  sockets[0].receive({ type: 'message', stream: 'user', kind: 'binary', data: Buffer.from([1, 2, 255]).toString('base64') });
  assert.deepEqual(got[0], { stream: 'topic:news', kind: 'text', data: 'hello' });
  assert.equal(got[1].stream, 'user');
  assert.deepEqual([...new Uint8Array(got[1].data)], [1, 2, 255]);
});

test('subscribe sends a request and resolves on its ack; an error rejects it and forgets the topic', async () => {
  const { push, sockets } = setup();
  await flush();
  sockets[0].open();
  const ok = push.subscribe('news');
  const request = sockets[0].lastSent();
  assert.equal(request.type, 'subscribe');
  assert.equal(request.topic, 'news');
  sockets[0].receive({ type: 'ack', id: request.id });
  await ok;
  assert.deepEqual(push.topics, ['news']);

  const refused = push.subscribe('secret');
  const second = sockets[0].lastSent();
  sockets[0].receive({ type: 'error', id: second.id, code: 'topic_not_allowed', message: 'token does not allow topic secret' });
  await assert.rejects(refused, (e) => e instanceof ActorPushError && e.code === 'topic_not_allowed');
  assert.deepEqual(push.topics, ['news']);
});

test('reconnects with full-jitter exponential backoff and resubscribes every topic', async () => {
  const { push, clock, sockets, states } = setup({ topics: ['a'] });
  await flush();
  sockets[0].open();
  const subscribed = push.subscribe('b');
  sockets[0].receive({ type: 'ack', id: sockets[0].lastSent().id });
  await subscribed;
  sockets[0].serverClose(1006);
  assert.equal(push.state, 'reconnecting');
  // random() = 0.5: half of the ceiling, which starts at 500 ms and doubles.
  assert.deepEqual(clock.pending(), [250]);
  clock.advance(250);
  await flush();
  assert.equal(sockets.length, 2);
  assert.ok(sockets[1].url.endsWith('topics=a,b'), sockets[1].url);
  sockets[1].serverClose(1006);
  assert.deepEqual(clock.pending(), [500]);
  clock.advance(500);
  await flush();
  sockets[2].serverClose(1011);
  assert.deepEqual(clock.pending(), [1000]);
  clock.advance(1000);
  await flush();
  sockets[3].open();
  assert.equal(push.reconnects, 1);
  assert.deepEqual(states, ['open', 'reconnecting', 'open']);
});

test('the backoff ceiling stops at 20 s and resets after a stable connection', async () => {
  const { clock, sockets } = setup({ random: () => 0.999999 });
  await flush();
  for (let i = 0; i < 10; i++) {
    sockets[sockets.length - 1].serverClose(1006);
    const [delay] = clock.pending();
    assert.ok(delay < 20000, `delay ${delay}`);
    if (i >= 6) assert.ok(delay > 19000, `the ceiling is 20 s by attempt ${i}: ${delay}`);
    clock.advance(delay);
    await flush();
  }
  assert.equal(sockets.length, 11);
  const socket = sockets[sockets.length - 1];
  socket.open();
  clock.advance(10000); // stable
  socket.receive({ type: 'ping' });
  socket.serverClose(1001);
  assert.ok(clock.pending()[0] < 500, 'back to the first step');
});

test('4003 and 4403 stop for good; no reconnect is scheduled', async () => {
  for (const code of [4003, 4403]) {
    const { push, clock, sockets, states } = setup();
    await flush();
    sockets[0].open();
    sockets[0].serverClose(code, 'kicked');
    assert.equal(push.state, 'closed');
    assert.deepEqual(push.lastClose, { code, reason: 'kicked' });
    assert.deepEqual(clock.pending(), []);
    assert.deepEqual(states, ['open', 'closed']);
  }
});

test('4029 and 4429 wait at least the slow delay', async () => {
  for (const code of [4029, 4429]) {
    const { clock, sockets } = setup();
    await flush();
    sockets[0].serverClose(code);
    assert.deepEqual(clock.pending(), [10000]);
  }
});

test('after 4401 the token callback is asked once more; a second 4401 stops', async () => {
  let calls = 0;
  const { push, clock, sockets } = setup({ token: () => `token-${++calls}` });
  await flush();
  assert.deepEqual(sockets[0].protocols, ['actorpush.v1', 'actorpush.token.token-1']);
  sockets[0].serverClose(4401, 'token has expired');
  assert.equal(push.state, 'reconnecting');
  clock.advance(clock.pending()[0]);
  await flush();
  assert.equal(calls, 2);
  assert.deepEqual(sockets[1].protocols, ['actorpush.v1', 'actorpush.token.token-2']);
  sockets[1].serverClose(4401, 'token signature is invalid');
  assert.equal(push.state, 'closed');
  assert.equal(calls, 2);
  assert.deepEqual(clock.pending(), []);
});

test('a fixed token string stops at the first 4401', async () => {
  const { push, sockets } = setup({ token: 'bad' });
  await flush();
  sockets[0].serverClose(4401);
  assert.equal(push.state, 'closed');
});

test('sends while not open are queued up to maxQueue and leave on open; beyond it they are refused', async () => {
  const { push, sockets } = setup({ maxQueue: 2 });
  await flush();
  const first = push.send('one');
  const second = push.send('two');
  await assert.rejects(push.send('three'), (e) => e.code === 'queue_full');
  sockets[0].open();
  const published = sockets[0].sent.filter((m) => m.type === 'publish');
  assert.deepEqual(published.map((m) => m.data), ['one', 'two']);
  for (const m of published) sockets[0].receive({ type: 'ack', id: m.id });
  await Promise.all([first, second]);
});

test('close() rejects queued sends and never reconnects', async () => {
  const { push, clock, sockets } = setup();
  await flush();
  const queued = push.send('x');
  push.close();
  await assert.rejects(queued, (e) => e.code === 'closed');
  assert.equal(push.state, 'closed');
  assert.equal(sockets[0].closedWith.code, 1000);
  assert.deepEqual(clock.pending(), []);
  await assert.rejects(push.send('y'), (e) => e.code === 'closed');
});

test('silence past keepalive sends a ping; no answer within the timeout replaces the socket', async () => {
  const { push, clock, sockets } = setup();
  await flush();
  sockets[0].open({ keepalive: 1000, keepaliveTimeout: 500 });
  clock.advance(1000);
  assert.equal(sockets[0].lastSent().type, 'ping');
  clock.advance(499);
  assert.equal(push.state, 'open');
  clock.advance(1);
  assert.equal(push.state, 'reconnecting');
  assert.equal(sockets[0].closedWith.code, 4000);
});

test('the server keepalive keeps the connection open', async () => {
  const { push, clock, sockets } = setup();
  await flush();
  sockets[0].open({ keepalive: 1000, keepaliveTimeout: 500 });
  for (let i = 0; i < 5; i++) {
    clock.advance(900);
    sockets[0].receive({ type: 'ping' });
  }
  assert.equal(push.state, 'open');
  assert.equal(sockets[0].sent.length, 0);
});

test('online and a page becoming visible reconnect a dead socket at once', async () => {
  const listeners = {};
  const doc = { visibilityState: 'hidden', addEventListener: (e, f) => { listeners[e] = f; }, removeEventListener() {} };
  const win = { document: doc, addEventListener: (e, f) => { listeners[e] = f; }, removeEventListener() {} };
  const { push, clock, sockets } = setup({ window: win });
  await flush();
  sockets[0].open();
  sockets[0].serverClose(1006);
  assert.equal(push.state, 'reconnecting');
  listeners.online();
  await flush();
  assert.equal(sockets.length, 2, 'online reconnects without waiting for the backoff');
  sockets[1].serverClose(1006);
  doc.visibilityState = 'visible';
  listeners.visibilitychange();
  await flush();
  assert.equal(sockets.length, 3);
  assert.deepEqual(clock.pending().filter((d) => d > 0 && d < 1000), [], 'the backoff timer was cancelled');
});

test('unsubscribe removes the topic from later connects', async () => {
  const { push, clock, sockets } = setup({ topics: ['a', 'b'] });
  await flush();
  sockets[0].open();
  const done = push.unsubscribe('a');
  const request = sockets[0].lastSent();
  assert.deepEqual([request.type, request.topic], ['unsubscribe', 'a']);
  sockets[0].receive({ type: 'ack', id: request.id });
  await done;
  sockets[0].serverClose(1001);
  clock.advance(clock.pending()[0]);
  await flush();
  assert.ok(sockets[1].url.endsWith('topics=b'));
});
