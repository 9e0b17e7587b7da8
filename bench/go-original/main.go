// Baseline: the original ActorPush design in Go. golang.org/x/net/websocket, one 1024-slot channel of
// messages, and one loop that writes every message to every connection in turn (a slow connection
// therefore stalls everybody). GET /im?user_id=X upgrades, GET /ping answers pong.
//
// Build offline (Debian golang-go + golang-golang-x-net-dev):
//   GOPATH=/usr/share/gocode GO111MODULE=off go build -o go-original .
// Run: ./go-original -addr 127.0.0.1:5003
package main

import (
	"flag"
	"io"
	"log"
	"net/http"
	"sync"

	"golang.org/x/net/websocket"
)

type hub struct {
	mu        sync.Mutex
	conns     map[*websocket.Conn]struct{}
	broadcast chan string
}

func newHub() *hub {
	return &hub{conns: make(map[*websocket.Conn]struct{}), broadcast: make(chan string, 1024)}
}

func (h *hub) add(c *websocket.Conn) {
	h.mu.Lock()
	h.conns[c] = struct{}{}
	h.mu.Unlock()
}

func (h *hub) remove(c *websocket.Conn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
}

// run is the single writer: every message goes to every connection, one after the other.
func (h *hub) run() {
	var targets []*websocket.Conn
	for msg := range h.broadcast {
		h.mu.Lock()
		targets = targets[:0]
		for c := range h.conns {
			targets = append(targets, c)
		}
		h.mu.Unlock()
		for _, c := range targets {
			if err := websocket.Message.Send(c, msg); err != nil {
				h.remove(c)
				c.Close()
			}
		}
	}
}

func (h *hub) serve(c *websocket.Conn) {
	if c.Request().URL.Query().Get("user_id") == "" {
		c.Close()
		return
	}
	h.add(c)
	defer func() {
		h.remove(c)
		c.Close()
	}()
	for {
		var msg string
		if err := websocket.Message.Receive(c, &msg); err != nil {
			if err != io.EOF {
				return
			}
			return
		}
		h.broadcast <- msg
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:5003", "listen address")
	flag.Parse()
	h := newHub()
	go h.run()
	http.Handle("/im", websocket.Handler(h.serve))
	http.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "pong")
	})
	log.Printf("go-original baseline listening on http://%s", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
