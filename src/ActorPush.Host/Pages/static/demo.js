// The demo page at /: one ActorPush connection, driven by the forms, showing every message with its stream.
import { ActorPush } from '/actorpush.js';

const $ = (id) => document.getElementById(id);
let push = null;

const params = new URLSearchParams(location.search);
$('user-id').value = params.get('user') || sessionStorage.getItem('actorpush.demo.user') || 'guest-' + Math.random().toString(36).slice(2, 6);
$('topics').value = params.get('topics') || '';
$('curl-hint').textContent = `curl -d 'hi' -H 'Content-Type: text/plain' ${location.origin}/api/topics/news/messages`;

function setConnected(connected) {
  $('connect').disabled = connected;
  $('disconnect').disabled = !connected;
  $('user-id').disabled = connected;
  $('topics').disabled = connected;
  $('token').disabled = connected;
  $('subscribe').disabled = !connected;
  $('send').disabled = !connected;
}

function log(stream, data, system) {
  const item = document.createElement('li');
  if (system) item.className = 'system';
  const time = document.createElement('span');
  time.className = 'time';
  time.textContent = new Date().toLocaleTimeString();
  const name = document.createElement('span');
  name.className = 'stream';
  name.textContent = stream;
  const body = document.createElement('span');
  body.className = 'data';
  body.textContent = data;
  item.append(time, name, body);
  $('log').prepend(item);
  if (!system) $('message-count').textContent = String(Number($('message-count').textContent) + 1);
}

function renderTopics() {
  const list = $('topic-list');
  list.replaceChildren();
  for (const topic of push ? push.topics : []) {
    const chip = document.createElement('span');
    chip.className = 'chip';
    chip.dataset.topic = topic;
    chip.textContent = topic;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.title = 'unsubscribe';
    remove.textContent = '×';
    remove.onclick = () => push.unsubscribe(topic).then(renderTopics, (e) => ($('connect-error').textContent = e.message));
    chip.append(remove);
    list.append(chip);
  }
}

function renderFacts() {
  $('reconnects').textContent = String(push ? push.reconnects : 0);
  $('connection-id').textContent = (push && push.connectionId) || '-';
  $('node').textContent = (push && push.node) || '-';
  const close = push && push.lastClose;
  $('last-close').textContent = close ? `${close.code}${close.reason ? ' ' + close.reason : ''}` : '-';
}

$('connect-form').onsubmit = (event) => {
  event.preventDefault();
  const userId = $('user-id').value.trim();
  sessionStorage.setItem('actorpush.demo.user', userId);
  const topics = $('topics').value.split(',').map((t) => t.trim()).filter(Boolean);
  const token = $('token').value.trim();
  $('connect-error').textContent = '';
  push = new ActorPush('/im', { userId, topics, token: token ? () => $('token').value.trim() : undefined });
  window.actorpush = push; // for poking at it from the console
  const state = $('state');
  state.textContent = push.state;
  state.className = 'badge ' + push.state;
  push.on('state', (s) => {
    state.textContent = s;
    state.className = 'badge ' + s;
    renderFacts();
    if (s === 'closed') setConnected(false);
  });
  push.on('welcome', () => { renderFacts(); renderTopics(); });
  push.on('close', (c) => { renderFacts(); log('connection', `closed ${c.code} ${c.reason || ''}`.trim(), true); });
  push.on('message', (msg) => log(msg.stream, msg.kind === 'binary' ? `(${msg.data.byteLength} bytes)` : msg.data));
  push.on('error', (e) => ($('connect-error').textContent = e.message));
  setConnected(true);
  renderTopics();
};

$('disconnect').onclick = () => {
  if (push) push.close();
  setConnected(false);
};

$('subscribe-form').onsubmit = (event) => {
  event.preventDefault();
  const topic = $('topic').value.trim();
  if (!topic || !push) return;
  $('connect-error').textContent = '';
  push.subscribe(topic).then(
    () => { $('topic').value = ''; renderTopics(); log('topics', `subscribed to ${topic}`, true); },
    (e) => { $('connect-error').textContent = `subscribe ${topic}: ${e.message}`; renderTopics(); });
  renderTopics();
};

$('send-form').onsubmit = (event) => {
  event.preventDefault();
  const text = $('message').value;
  if (!text || !push) return;
  $('send-error').textContent = '';
  push.send(`${push.userId}: ${text}`).then(() => ($('message').value = ''), (e) => ($('send-error').textContent = e.message));
};
