// transport.js: how the view talks to a session. Every transport has the
// same shape: open(params), send(message), close(), and calls onMessage
// for every server message and onStatus with "connecting", "open",
// "reconnecting" or "closed". SocketTransport talks to `portville serve`
// over a websocket; the static build provides a WebAssembly transport with
// the same shape.

import { S } from "./protocol.js";
import { lang } from "./i18n.js";

/** Delays before reconnect attempts, in milliseconds. */
const backoffMs = [300, 1000, 2000, 4000, 8000];

export class SocketTransport {
  /**
   * url is the websocket path ("/ws"); resumeInfo() returns
   * {session, timeline, after} for reconnecting, or null.
   */
  constructor({ url, onMessage, onStatus, resumeInfo }) {
    this.url = url;
    this.onMessage = onMessage;
    this.onStatus = onStatus || (() => {});
    this.resumeInfo = resumeInfo || (() => null);
    this.ws = null;
    this.attempt = 0;
    this.closed = false;
    this.queue = [];
  }

  /** open connects with the query parameters (lesson, os, seed). */
  open(params) {
    this.params = params;
    this.connect(params);
  }

  connect(params) {
    const u = new URL(this.url, location.href);
    u.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") u.searchParams.set(k, v);
    // The session speaks the page's language (web/langs.go).
    if (!u.searchParams.has("lang")) u.searchParams.set("lang", lang());
    this.onStatus(this.attempt ? "reconnecting" : "connecting");
    const ws = new WebSocket(u);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.onStatus("open");
      for (const m of this.queue.splice(0)) ws.send(JSON.stringify(m));
    };
    ws.onmessage = (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg.type === S.HELLO && msg.session) this.session = msg.session;
      this.onMessage(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      // 1000 normal (the server ended it: a class or private copy over),
      // 1008 policy, 1009 too big: the server said no. Anything else (a
      // network drop, 1001 going away, 1013 try later) is worth a retry
      // with a resume.
      if (this.closed || this.noReconnect || ev.code === 1000 || ev.code === 1008 || ev.code === 1009) {
        this.onStatus("closed", ev.code);
        return;
      }
      const delay = backoffMs[Math.min(this.attempt, backoffMs.length - 1)];
      this.attempt++;
      this.onStatus("reconnecting", ev.code);
      setTimeout(() => {
        if (this.closed) return;
        // Resume the session (a presenter with its token, a follower
        // with its class and id); with the lesson along, a session that
        // has expired meanwhile is replaced by a new one on the same
        // lesson. Behind a load balancer the reconnect may reach another
        // instance, which takes the class over (docs/hosting.md).
        const r = this.resumeInfo();
        this.connect(r ? { ...this.params, ...r } : this.params);
      }, delay);
    };
  }

  /** send sends a message now, or when the connection is back. */
  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
    else if (this.queue.length < 16) this.queue.push(msg);
  }

  close() {
    this.closed = true;
    if (this.ws) this.ws.close(1000);
  }

  /** drop closes the connection as a network failure would (for tests). */
  drop() {
    if (this.ws) this.ws.close(4000, "dropped");
  }
}
