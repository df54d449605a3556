// remote.js: the teacher's phone as a remote for a class (/remote/CODE#TOKEN,
// docs/protocol.md "The remote"). It is a presenter like the projector: it
// connects with the class code and the presenter token from the URL's
// fragment, shows the caption and the open question with the class's
// answers, and sends back, play or pause, and step. It draws no town.

import { SocketTransport } from "./transport.js";
import { Captions } from "./captions.js";
import { S, C, E } from "./protocol.js";
import { h, icon, ICONS } from "./dom.js";
import { groupCode } from "./classroom.js";
import { t } from "./i18n.js";

export class Remote {
  constructor(root) {
    this.root = root;
    this.code = root.dataset.code;
    this.token = decodeURIComponent(location.hash.replace(/^#/, ""));
    this.playback = { playing: false, seq: 0, total: 0, speed: 1 };
    this.session = "";
    this.timeline = 0;
    this.followers = 0;

    this.title = h("h1", { class: "remote-title" }, t("Class") + " ", h("strong", { text: groupCode(this.code) }));
    this.count = h("p", { class: "remote-count", "aria-live": "polite" });
    this.status = h("p", { class: "remote-status", role: "status" });
    this.capEl = h("section", { class: "captions remote-captions", "aria-label": t("What is happening") });
    this.card = h("section", { class: "checkpoint remote-question", hidden: true, "aria-live": "polite", "aria-label": t("Question for the class") });
    this.counter = h("p", { class: "remote-counter" });
    const btn = (name, label, fn) => h("button", { type: "button", class: "remote-btn remote-" + name, "aria-label": label, title: label, onclick: fn }, icon(ICONS[name]), h("span", { text: label }));
    this.backBtn = btn("back", t("Back"), () => this.send({ type: C.BACK }));
    this.playBtn = btn("play", t("Play"), () => this.send({ type: this.playback.playing ? C.PAUSE : C.PLAY }));
    this.stepBtn = btn("step", t("Step"), () => this.send({ type: C.STEP }));
    this.buttons = h("div", { class: "remote-buttons", role: "toolbar", "aria-label": t("Playback") }, this.backBtn, this.playBtn, this.stepBtn);
    root.replaceChildren(
      h("header", { class: "remote-head" }, this.title, this.count),
      this.status,
      h("div", { class: "remote-body" }, this.card, this.capEl),
      this.counter,
      this.buttons);
    this.captions = new Captions(this.capEl, this.card, { onAnswer: () => {} });
    this.captions.setIdle(t("Waiting for the class…"), 0);
    this.draw();

    if (!this.token) {
      this.refuse(t("This link has no presenter key. Open the remote from “Control from your phone” on the screen that runs the class."));
      return;
    }
    this.transport = new SocketTransport({
      url: root.dataset.ws || "/ws",
      onMessage: (m) => this.receive(m),
      onStatus: (s, code) => this.connection(s, code),
      resumeInfo: () => (this.session ? { session: this.session, timeline: this.timeline, after: this.playback.seq } : null),
    });
    this.transport.open({ class: this.code, token: this.token });
  }

  send(msg) {
    if (this.transport && !this.refused) this.transport.send(msg);
  }

  receive(m) {
    switch (m.type) {
      case S.HELLO:
        this.session = m.session || "";
        this.timeline = m.timeline;
        if (!m.resumed) this.captions.restore(m.recent || []);
        if (m.class) this.classInfo(m.class);
        this.state(m.state);
        return;
      case S.EVENT:
      case S.EVENTS:
        this.events(m.type === S.EVENT ? [m.event] : m.events);
        if (m.state) this.state(m.state); // after a step or play, the state rides along
        return;
      case S.SNAPSHOT:
        if (m.timeline) this.timeline = m.timeline;
        this.captions.restore(m.recent || []);
        this.playback.seq = m.snapshot ? m.snapshot.seq : this.playback.seq;
        this.draw();
        return;
      case S.STATE:
        this.state(m);
        return;
      case "class":
        this.classInfo(m);
        return;
      case "class.stats":
        this.followers = m.followers;
        this.captions.setStats({ followers: m.followers, answers: m.answers || {} });
        this.draw();
        return;
      case "class.end":
        this.refuse(t("The class has ended."));
        return;
      case S.ERROR:
        if (m.code === E.FORBIDDEN || m.code === "unknown_class") {
          this.refuse(m.code === E.FORBIDDEN
            ? t("This remote's presenter key is wrong for this class, so it cannot control it. Open the remote again from “Control from your phone” on the class's screen.")
            : t("There is no class with this code any more."));
          return;
        }
        this.status.textContent = m.message;
        return;
    }
  }

  classInfo(c) {
    if (c.followers !== undefined) {
      this.followers = c.followers;
      this.captions.setStats({ followers: c.followers, answers: c.answers || {} });
    }
    this.draw();
  }

  events(list) {
    for (const e of list) {
      if (e.seq <= this.playback.seq) continue;
      this.captions.show(e, false);
      this.playback.seq = e.seq;
    }
    this.captions.draw();
    this.draw();
  }

  state(st) {
    if (!st) return;
    this.playback = { ...this.playback, playing: st.playing, speed: st.speed, seq: st.seq ?? this.playback.seq, total: st.total ?? this.playback.total };
    this.draw();
  }

  connection(s, code) {
    if (this.refused) return;
    if (s === "open") this.status.textContent = "";
    else if (s === "reconnecting") this.status.textContent = t("Connection lost: reconnecting…");
    else if (s === "closed" && code !== 1008) this.status.textContent = t("Disconnected. Reload the page to reconnect.");
  }

  /** refuse shows why the remote cannot control the class, and takes its buttons away. */
  refuse(why) {
    this.refused = true;
    if (this.transport) this.transport.close();
    document.body.dataset.refused = "1";
    this.buttons.remove();
    this.counter.remove();
    this.card.hidden = true;
    this.status.textContent = why;
    this.status.classList.add("remote-refused");
  }

  draw() {
    const p = this.playback;
    this.count.textContent = `${this.followers} following`;
    this.counter.textContent = p.total ? `${p.seq} / ${p.total}` : "";
    this.playBtn.replaceChildren(icon(p.playing ? ICONS.pause : ICONS.play), h("span", { text: p.playing ? t("Pause") : t("Play") }));
    this.playBtn.setAttribute("aria-label", p.playing ? t("Pause") : t("Play"));
    this.backBtn.disabled = p.seq <= 0;
    this.stepBtn.disabled = p.total > 0 && p.seq >= p.total;
  }
}

const root = document.getElementById("remote");
if (root) window.portvilleRemote = new Remote(root);
