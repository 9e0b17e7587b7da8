'use strict';
// Baseline broadcast server: GET /im?user_id=X upgrades to a WebSocket, every message any client
// sends goes to every connected client (sender included), payload and type unchanged. GET /ping -> pong.
// Usage: node server.js [port] [host]   (host defaults to 127.0.0.1)
const http = require('http');
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.argv[2] || 5002);
const host = process.argv[3] || '127.0.0.1';

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: true });

const server = http.createServer((req, res) => {
  if (req.url === '/ping') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('pong');
    return;
  }
  res.writeHead(404);
  res.end();
});

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname !== '/im' || !url.searchParams.get('user_id')) {
    socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('message', (data, isBinary) => {
      for (const client of wss.clients) {
        if (client.readyState === WebSocket.OPEN) {
          client.send(data, { binary: isBinary });
        }
      }
    });
    ws.on('error', () => {});
  });
});

server.listen(port, host, () => {
  console.log(`node-ws baseline listening on http://${host}:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
