// classroom.js: classroom mode in the browser (docs/protocol.md,
// "Classroom"). The presenter starts a class and gets a join screen for
// the projector (code, URL, QR code) and the class's answers to each
// question; followers watch in sync, answer questions on their device, and
// explore on a private copy when the presenter hands control over.

import { h } from "./dom.js";
import { SocketTransport } from "./transport.js";
import { basePath, tabStore } from "./page.js";
import { t } from "./i18n.js";

/** groupCode shows a join code in two groups of four: "K7M3 QPXR". */
export function groupCode(code) {
  return code.length === 8 ? code.slice(0, 4) + " " + code.slice(4) : code;
}

export class Classroom {
  /**
   * viewer is the Viewer; bar is the class bar (a row above the town);
   * header, when the page has one, holds "Start a class".
   */
  constructor(viewer, bar, header) {
    this.viewer = viewer;
    this.bar = bar;
    this.startBtn = null;
    // A class needs the server: not offline, not in the static build.
    if (header && viewer.mode === "full" && !viewer.offline && viewer.app.dataset.transport !== "wasm") {
      this.startBtn = h("button", { class: "class-start", type: "button", text: t("Start a class"), title: t("Let students follow on their devices"), onclick: () => this.start() });
      const sel = header.querySelector("#lesson-select");
      if (sel) sel.before(this.startBtn);
      else header.append(this.startBtn);
    }
    this.info = null; // the class message: role, code, url, qr, mode, ...
    this.stats = { followers: 0, answers: {} };
    this.mine = {}; // a follower's answers by checkpoint number
    this.private = null; // a follower's private copy: {transport}
    this.screen = h("section", { class: "join-screen", hidden: true, "aria-label": t("Join the class") });
    this.remotePanel = h("section", { class: "remote-panel", hidden: true, "aria-label": t("Control from your phone") });
    viewer.stage.append(this.screen, this.remotePanel);
  }

  get role() {
    return this.info ? this.info.role : "";
  }

  /** following: a follower in follow mode, who cannot control playback. */
  get following() {
    return this.role === "follower" && this.info.mode === "follow";
  }

  /** start asks the server to make this session a class. */
  start() {
    this.viewer.sendClass({ type: "class.start" });
  }

  /** receive handles the class messages; it returns false for others. */
  receive(m) {
    switch (m.type) {
      case "class":
        this.set(m);
        if (m.role === "presenter") this.showScreen(true);
        return true;
      case "class.stats":
        this.stats = { followers: m.followers, answers: m.answers || {} };
        this.draw();
        this.viewer.captions.setStats(this.role === "presenter" ? this.stats : null);
        return true;
      case "class.mode":
        if (this.info) this.info.mode = m.mode;
        if (this.role === "follower" && m.mode === "follow") this.leavePrivate();
        this.queued = [];
        this.viewer.classChanged();
        this.draw();
        return true;
      case "class.end":
        this.ended(m.reason);
        return true;
      case "answered":
        this.mine[m.checkpoint] = m.choice;
        this.viewer.captions.setMine(this.mine);
        return true;
      case "forked":
        this.enterPrivate(m.session);
        return true;
      case "error":
        if (m.code === "session_limit" && this.queued && this.queued.length) {
          // The server has no room for another private copy: keep watching.
          this.queued = [];
          this.forking = false;
          this.viewer.notice(t("Too many people are exploring on their own right now; keep following the teacher and try again in a moment."));
          this.draw();
          return true;
        }
        return false;
    }
    return false;
  }

  /** hello takes the class part of a hello (reconnects and late joins). */
  hello(c) {
    if (!c) {
      if (this.info) this.ended("ended");
      return;
    }
    this.set(c);
    if (c.mine) {
      this.mine = { ...c.mine };
      this.viewer.captions.setMine(this.mine);
    }
  }

  set(c) {
    this.info = { ...(this.info || {}), ...c };
    if (c.followers !== undefined) this.stats = { followers: c.followers, answers: c.answers || {} };
    const v = this.viewer;
    if (c.role === "presenter" && c.token && v.session) tabStore.set("token." + v.session, c.token);
    if (c.role === "follower" && c.follower) tabStore.set("follower." + c.code, c.follower);
    v.captions.follower = c.role === "follower";
    document.body.dataset.classRole = c.role;
    v.captions.setStats(c.role === "presenter" ? this.stats : null);
    v.classChanged();
    this.draw();
  }

  /** answer sends a follower's pick to the server. */
  answer(checkpoint, choice) {
    if (this.role !== "follower") return false;
    this.viewer.sendClass({ type: "answer", checkpoint, choice });
    return true;
  }

  ended(reason) {
    const code = this.info ? this.info.code : "";
    const wasFollower = this.role === "follower";
    this.leavePrivate();
    this.info = null;
    delete document.body.dataset.classRole;
    this.showScreen(false);
    this.remotePanel.hidden = true;
    this.remotePanel.replaceChildren();
    this.viewer.captions.setStats(null);
    this.viewer.classChanged();
    this.draw();
    if (wasFollower) {
      tabStore.set("follower." + code, null);
      this.viewer.transport.close();
      const lesson = this.viewer.meta && this.viewer.meta.id;
      this.viewer.notice(reason === "idle" ? t("The class ended (no activity for a long time).") : t("The teacher ended the class.") +
        (lesson ? " " + t("You can open the lesson on your own from the lesson list.") : ""), true);
    }
  }

  /**
   * explore sends a follower's control to its private copy. The copy is
   * made on the first control pressed in free mode, not when free mode
   * starts: most of a class keeps watching, and each copy is a session.
   */
  explore(msg) {
    if (this.private) {
      this.private.transport.send(msg);
      return;
    }
    this.queued = this.queued || [];
    if (this.queued.length < 8) this.queued.push(msg);
    if (!this.forking) {
      this.forking = true;
      this.viewer.sendClass({ type: "fork" });
      this.draw();
    }
  }

  /** enterPrivate opens the private copy the server made for this follower. */
  enterPrivate(session) {
    this.leavePrivate();
    const v = this.viewer;
    const t = new SocketTransport({
      url: v.app.dataset.ws || "/ws",
      onMessage: (m) => v.receivePrivate(m),
      onStatus: () => {},
      resumeInfo: () => null,
    });
    t.noReconnect = true;
    this.private = { transport: t, session };
    this.forking = false;
    t.open({ session });
    // Controls pressed while the copy was being made go to it, in order.
    for (const m of (this.queued || []).splice(0)) t.send(m);
    v.classChanged();
    this.draw();
  }

  leavePrivate() {
    if (!this.private) return;
    this.private.transport.close();
    this.private = null;
    this.viewer.classChanged();
  }

  /** showScreen shows or hides the join screen for the projector. */
  showScreen(show) {
    if (!show || !this.info || this.role !== "presenter") {
      this.screen.hidden = true;
      return;
    }
    // The join screen is for the class to see: the remote's code never
    // shows with it.
    this.remotePanel.hidden = true;
    this.remotePanel.replaceChildren();
    const c = this.info;
    this.screen.replaceChildren(...[
      h("button", { class: "join-close", type: "button", text: "×", "aria-label": t("Hide the join screen"), onclick: () => this.showScreen(false) }),
      h("p", { class: "join-lead", text: t("Follow this lesson on your own device") }),
      h("div", { class: "join-grid" },
        h("img", { class: "join-qr", src: c.qr, alt: `QR code of ${c.url}`, width: 260, height: 260 }),
        h("div", { class: "join-text" },
          h("p", { class: "join-step", text: t("Open") }),
          h("p", { class: "join-url", text: c.url }),
          h("p", { class: "join-step", text: t("or go to {path} and type the code", { path: `${basePath()}/join` }) }),
          h("p", { class: "join-code", text: groupCode(c.code) }),
          h("p", { class: "join-count", text: `${this.stats.followers} following` }))),
      c.loopback ? h("p", { class: "join-warn", role: "alert", text: t("This address only works on this computer. Open Portville at this machine's network address (start it with --addr 0.0.0.0:8080), or start it with --public-url, so that students can join.") }) : null,
      h("p", { class: "join-hint", text: t("Press play when everyone is in. This screen hides when you start.") })].filter(Boolean));
    this.screen.hidden = false;
  }

  /**
   * showRemote shows or hides the remote's QR code, on the presenter's
   * screen only: whoever scans it controls the class, so it is a panel the
   * teacher opens, not part of the join screen the class sees.
   */
  showRemote(show) {
    const c = this.info;
    if (!show || !c || this.role !== "presenter" || !c.remote) {
      this.remotePanel.hidden = true;
      this.remotePanel.replaceChildren();
      this.draw();
      return;
    }
    this.showScreen(false);
    this.remotePanel.replaceChildren(
      h("button", { class: "remote-close", type: "button", text: "×", "aria-label": t("Hide"), onclick: () => this.showRemote(false) }),
      h("h2", { text: t("Control the class from your phone") }),
      h("p", { text: t("Scan this with your phone's camera: it opens a remote with back, play and step, the caption, and the class's answers.") }),
      c.remote_qr ? h("img", { class: "remote-qr", src: c.remote_qr, alt: "QR code of the remote's link", width: 240, height: 240 }) : null,
      h("p", { class: "remote-warn", text: t("Whoever opens this link controls the class. Show it only on your own screen, not on the projector.") }),
      h("input", { class: "remote-link", readonly: true, value: c.remote, "aria-label": t("The remote's link"), onfocus: (ev) => ev.target.select() }));
    this.remotePanel.hidden = false;
    this.draw();
  }

  /** draw updates the class bar. */
  draw() {
    const parts = [];
    if (this.startBtn) this.startBtn.hidden = !!this.info;
    if (!this.info) {
      this.bar.hidden = true;
      this.bar.replaceChildren();
      return;
    }
    const c = this.info;
    if (this.role === "presenter") {
      parts.push(
        h("span", { class: "class-label" }, t("Class") + " ", h("strong", { text: groupCode(c.code) })),
        h("span", { class: "class-count", text: `${this.stats.followers} following` }),
        h("button", { type: "button", text: t("Join screen"), onclick: () => this.showScreen(this.screen.hidden) }),
        c.remote ? h("button", { type: "button", class: "class-remote", text: t("Control from your phone"), "aria-expanded": String(!this.remotePanel.hidden), onclick: () => this.showRemote(this.remotePanel.hidden) }) : null,
        h("button", {
          type: "button", class: c.mode === "free" ? "class-free on" : "class-free",
          text: c.mode === "free" ? t("Take control back") : t("Let everyone explore"),
          title: c.mode === "free" ? t("Students return to your view") : t("Each student explores a private copy from here"),
          onclick: () => this.viewer.sendClass({ type: "class.mode", mode: c.mode === "free" ? "follow" : "free" }),
        }),
        h("button", { type: "button", class: "class-end", text: t("End class"), onclick: () => this.viewer.sendClass({ type: "class.end" }) }));
    } else {
      const text = c.mode === "free"
        ? (this.private ? t("Exploring on your own copy: the teacher can call you back")
          : this.forking ? t("Opening your own copy…") : t("You may explore: press play or step"))
        : t("Following the teacher");
      parts.push(h("span", { class: "class-label" }, t("Class") + " ", h("strong", { text: groupCode(c.code) })), h("span", { class: "class-status", text }));
    }
    this.bar.replaceChildren(...parts);
    this.bar.hidden = false;
    if (this.role === "presenter" && !this.screen.hidden) this.showScreen(true);
  }

  /** connectParams returns how a page should open its websocket. */
  static connectParams(app, params) {
    const code = app.dataset.class;
    if (code) {
      const fid = tabStore.get("follower." + code);
      return { class: code, follower: fid || undefined };
    }
    return { lesson: params.lesson, os: params.os, seed: params.seed };
  }

  /** tokenFor returns the presenter token kept for a session, if any. */
  static tokenFor(session) {
    return session ? tabStore.get("token." + session) : null;
  }
}
