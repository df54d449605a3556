// terminal.js: the lab's terminals (docs/lab.md). One panel with a tab per
// host; each tab shows what that host's terminal printed, up to the event
// the town is showing, and takes a line (or Ctrl-C, Ctrl-D) for the lab.
// It knows nothing of transports: onInput(host, {line} | {key}) sends, and
// the lab calls set/add/undo/at/hosts with what the session said.
//
// What a terminal shows is derived from the lab's entries alone: an
// input's echo once the town has reached the event it was typed at
// (entry.at), and each chunk of output once the town has reached its
// event (chunk.seq). Stepping back in the town steps the terminals back
// too, and a follower sees exactly what the presenter's terminal shows.

import { h } from "./dom.js";
import { t } from "./i18n.js";

/** maxShownLines bounds the lines a terminal keeps on screen (its scrollback). */
const maxShownLines = 1000;

/** blockLines is how many lines of the screen the browser lays out together. */
const blockLines = 40;

/** Commands the shell completes with Tab, besides the host's programs. */
const COMMANDS = [
  "nc", "curl", "ftp", "ss", "ps", "kill", "ip", "sysctl", "netsh", "sleep", "install", "uninstall", "apt",
  "echo", "printf", "jobs", "history", "clear", "help", "sudo",
];

export class Terminal {
  /**
   * root is the element to build into. onInput(host, input) sends an
   * input; onUndo() asks to take the last entry back; onSelect(host) is
   * told when the learner switches tabs.
   */
  constructor(root, { onInput, onUndo, onSelect }) {
    this.root = root;
    this.onInput = onInput;
    this.onUndo = onUndo;
    this.onSelect = onSelect || (() => {});
    this.entries = [];
    this.hostList = []; // [{name, prompt, attached, secret, programs}]
    this.current = "";
    this.seq = 0; // the event the town shows
    this.readOnly = false;
    this.history = new Map(); // host -> lines typed at its prompt
    this.histPos = -1;
    this.tabHint = "";
    this.tabs = h("div", { class: "term-tabs", role: "tablist", "aria-label": t("Terminals") });
    this.screen = h("div", { class: "term-screen", id: "term-screen", tabindex: "0", "aria-live": "polite", "aria-label": t("Terminal output") });
    this.promptEl = h("span", { class: "term-prompt" });
    this.input = h("input", {
      class: "term-input", id: "term-input", type: "text", autocomplete: "off", autocapitalize: "off", spellcheck: "false",
      "aria-label": t("Command"), "aria-describedby": "term-keys", enterkeyhint: "send", maxlength: "1000",
    });
    this.status = h("p", { class: "term-status", "aria-live": "polite" });
    const line = h("label", { class: "term-line" }, this.promptEl, this.input);
    this.body = h("div", { class: "term-body", role: "tabpanel" }, this.screen, line);
    const keys = h("p", { class: "sr-only", id: "term-keys", text: t("Enter runs the command. Tab completes a word; Escape, then Tab, leaves the terminal.") });
    root.replaceChildren(this.tabs, this.body, this.status, keys);
    this.stick = true; // the screen follows new output until the reader scrolls up
    this.screen.addEventListener("scroll", () => {
      this.stick = this.screen.scrollHeight - this.screen.scrollTop - this.screen.clientHeight < 40;
    });
    this.input.addEventListener("keydown", (ev) => this.key(ev));
    this.screen.addEventListener("click", () => {
      if (!getSelection().toString()) this.focus();
    });
  }

  /** set replaces the lab's entries and hosts (hello, a load). */
  set(entries, hosts) {
    this.entries = entries.slice();
    this.history.clear();
    for (const e of this.entries) this.remember(e);
    this.hosts(hosts);
  }

  /** add appends the lab's nth entry (1-based), with the hosts after it. */
  add(n, entry, hosts) {
    this.entries.length = n - 1;
    this.entries.push(entry);
    this.remember(entry);
    this.hosts(hosts);
  }

  /** undo keeps the first n entries. */
  undo(n, hosts) {
    this.entries.length = Math.min(n, this.entries.length);
    this.history.clear();
    for (const e of this.entries) this.remember(e);
    this.hosts(hosts);
  }

  remember(e) {
    if (e.key || !e.shell || !e.line) return;
    const list = this.history.get(e.host) || [];
    if (list[list.length - 1] !== e.line) list.push(e.line);
    this.history.set(e.host, list);
  }

  /** hosts takes the terminals' state: prompts, attached programs. */
  hosts(list) {
    this.hostList = list || [];
    if (!this.hostList.some((x) => x.name === this.current) && this.hostList.length) this.current = this.hostList[0].name;
    this.drawTabs();
    this.later();
  }

  /**
   * later draws at the next animation frame, once however many entries
   * arrived: an entry's message must not hold up the events behind it
   * (the town draws its first event in the same frame).
   */
  later() {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => {
      this.drawQueued = false;
      this.draw();
    });
  }

  /** select switches to a host's terminal. */
  select(name, focus) {
    if (!this.hostList.some((x) => x.name === name)) return;
    this.current = name;
    this.histPos = -1;
    this.tabHint = "";
    this.drawTabs();
    this.draw();
    this.onSelect(name);
    if (focus) this.focus();
  }

  focus() {
    if (!this.input.disabled) this.input.focus({ preventScroll: true });
  }

  /** at shows the terminals as they were at event seq. */
  at(seq) {
    if (seq === this.seq) return;
    this.seq = seq;
    this.draw();
  }

  setReadOnly(ro, why) {
    this.readOnly = ro;
    this.readOnlyWhy = why || "";
    this.input.disabled = ro;
    this.draw();
  }

  drawTabs() {
    this.tabs.replaceChildren(...this.hostList.map((x) => {
      const on = x.name === this.current;
      const b = h("button", {
        type: "button", role: "tab", class: on ? "term-tab on" : "term-tab", "aria-selected": on ? "true" : "false",
        "data-host": x.name, text: x.attached ? `${x.name} · ${x.attached}` : x.name,
        onclick: () => this.select(x.name, true),
      });
      return b;
    }));
  }

  /**
   * text returns what a host's terminal shows at the current event. An
   * entry whose events have all been shown contributes the same text
   * forever, so that part is kept per entry (entries never change; undo
   * drops them whole): a lab of 500 commands costs a join, not a walk
   * through every chunk, on each frame the town draws.
   */
  text(host) {
    const parts = [];
    for (const e of this.entries) {
      if (e.at > this.seq) break;
      const own = shownText(e, host, doneAt(e) <= this.seq ? Infinity : this.seq);
      if (own.clear) parts.length = 0;
      if (own.text) parts.push(own.text);
    }
    return parts.join("");
  }

  draw() {
    const host = this.hostList.find((x) => x.name === this.current);
    if (!host) {
      this.show("");
      return;
    }
    let s = this.text(host.name);
    if (s && !s.endsWith("\n")) s += "\n";
    if (!s && !this.readOnly) s = this.welcome(host);
    if (this.tabHint) s += this.tabHint;
    this.show(s);
    this.promptEl.textContent = host.prompt;
    this.input.type = host.secret ? "password" : "text";
    const behind = this.entries.length && this.seq < lastAt(this.entries);
    this.status.textContent = this.readOnly ? this.readOnlyWhy
      : host.attached ? (host.attached === "nc" ? t("Typing into {program}: Enter sends a line, Ctrl-C stops it, Ctrl-D ends the input.", { program: host.attached }) : t("Typing into {program}: Enter sends a line, Ctrl-C stops it.", { program: host.attached }))
        : behind ? t("The town is replaying: what you type now happens after the last command.") : "";
  }

  /**
   * show puts text on the screen, as blocks of blockLines lines: output
   * mostly grows at its end, and only the blocks whose text changed are
   * touched, so the browser lays out the last block again, not the whole
   * scrollback. Blocks are cut at fixed line numbers, so dropping the
   * oldest lines (the screen keeps about maxShownLines, as a terminal's
   * scrollback does) drops whole blocks. The screen stays at the bottom
   * unless the reader has scrolled up.
   */
  show(s) {
    if (s === this.shown) return;
    this.shown = s;
    const lines = s.split("\n");
    const ends = lines.length > 1 && lines[lines.length - 1] === "";
    if (ends) lines.pop();
    const first = Math.max(0, Math.ceil((lines.length - maxShownLines) / blockLines));
    const want = [];
    for (let b = first; b * blockLines < lines.length; b++) {
      const last = (b + 1) * blockLines >= lines.length;
      want.push({ n: b, text: lines.slice(b * blockLines, (b + 1) * blockLines).join("\n") + (last && !ends ? "" : "\n") });
    }
    const have = this.blocks || [];
    while (have.length && (!want.length || have[0].n < want[0].n)) have.shift().el.remove();
    while (have.length > want.length || (have.length && have[0].n !== want[0]?.n)) have.pop().el.remove();
    want.forEach((w, i) => {
      const b = have[i];
      if (!b) {
        const el = h("div", { class: "term-block" });
        fillBlock(el, w.text);
        this.screen.append(el);
        have.push({ n: w.n, text: w.text, el });
        return;
      }
      if (b.text === w.text) return;
      const node = b.el.lastChild;
      const add = w.text.slice(b.text.length);
      if (node && node.nodeType === Node.TEXT_NODE && w.text.startsWith(b.text) && !(b.text.endsWith("\n") ? "\n" + add : add).includes("\nlab: ")) {
        node.appendData(add);
      } else fillBlock(b.el, w.text);
      b.text = w.text;
    });
    this.blocks = have;
    if (this.stick && !this.scrollQueued) {
      // At the next frame, with the frame's other changes: finding the
      // bottom makes the browser lay the page out.
      this.scrollQueued = true;
      requestAnimationFrame(() => {
        this.scrollQueued = false;
        if (this.stick) this.screen.scrollTop = this.screen.scrollHeight;
      });
    }
  }

  /**
   * welcome is what an empty terminal shows before its first command: how
   * to start, with the names of this town's buildings.
   */
  welcome(host) {
    const others = this.hostList.map((x) => x.name).filter((n) => n !== host.name);
    const lines = [t("This is the terminal of {host}. Type help for the commands it takes.", { host: host.name })];
    if (host.programs && host.programs.length) lines.push(t("Start a server installed here: {programs}.", { programs: host.programs.join(", ") }));
    const server = this.hostList.find((x) => x.name !== host.name && x.programs && x.programs.length);
    if (server) {
      const p = server.programs[0], n = server.name;
      const reach = { nginx: `curl -v http://${n}/`, devserver: `curl -v http://${n}:3000/`, vsftpd: `ftp ${n}`, postgres: `nc -v ${n} 5432` }[p];
      lines.push(reach
        ? t("{host} has {programs}: start {program} in the terminal of {host}, then reach it from here by name: {command}", { host: n, programs: server.programs.join(", "), program: p, command: reach })
        : t("{host} has {programs}: start {program} in the terminal of {host}, then reach it from here by name.", { host: n, programs: server.programs.join(", "), program: p }));
    } else if (others.length) lines.push(t("Reach another building by name: curl -v http://{host}/, nc {host} 80.", { host: others[0] }));
    lines.push(t("Click a building, or a tab above, to type into its terminal."));
    return lines.join("\n") + "\n";
  }

  key(ev) {
    const host = this.hostList.find((x) => x.name === this.current);
    if (!host || this.readOnly) return;
    // Alt-Z is the lab's undo: a key no terminal takes (Ctrl-Z is the
    // shell's). ev.code, since Option-Z types "Ω" on a Mac.
    if (ev.altKey && !ev.ctrlKey && !ev.metaKey && ev.code === "KeyZ") {
      ev.preventDefault();
      this.onUndo();
      return;
    }
    if (ev.ctrlKey && !ev.altKey && !ev.metaKey) {
      const k = ev.key.toLowerCase();
      if (k === "c" && !this.input.value.length || k === "c" && this.input.selectionStart === this.input.selectionEnd) {
        ev.preventDefault();
        this.input.value = "";
        this.onInput(host.name, { key: "ctrl-c" });
        return;
      }
      if (k === "d" && !this.input.value) {
        ev.preventDefault();
        this.onInput(host.name, { key: "ctrl-d" });
        return;
      }
      if (k === "z") {
        // Ctrl-Z stops the program in the foreground, as in a terminal
        // (the lab answers "^Z" and bash's "Stopped" line); at the
        // prompt bash ignores it.
        ev.preventDefault();
        if (host.attached) this.onInput(host.name, { key: "ctrl-z" });
        return;
      }
      if (k === "l") {
        ev.preventDefault();
        this.send(host, "clear");
        return;
      }
    }
    switch (ev.key) {
      case "Enter":
        ev.preventDefault();
        this.send(host, this.input.value);
        return;
      case "ArrowUp":
      case "ArrowDown": {
        const list = this.history.get(host.name) || [];
        if (!list.length || host.attached) return;
        ev.preventDefault();
        if (this.histPos < 0) this.histPos = list.length;
        this.histPos = Math.max(0, Math.min(list.length, this.histPos + (ev.key === "ArrowUp" ? -1 : 1)));
        this.input.value = list[this.histPos] || "";
        return;
      }
      case "Tab":
        // Tab completes what is typed, as bash does; on an empty line, or
        // after Escape, it moves on like anywhere else on the page (no
        // keyboard trap).
        if (host.attached || ev.shiftKey || !this.input.value || this.escaped) {
          this.escaped = false;
          return;
        }
        ev.preventDefault();
        this.complete(host);
        return;
      case "Escape":
        this.tabHint = "";
        this.escaped = true;
        this.draw();
        return;
    }
    this.escaped = false;
    this.tabHint = "";
  }

  send(host, line) {
    this.input.value = "";
    this.histPos = -1;
    this.tabHint = "";
    this.onInput(host.name, { line });
  }

  /**
   * complete does what bash's Tab does: the first word from the commands
   * and the host's programs, later words from the host names (and, after
   * install, the catalogue), completing the common prefix; when several
   * remain, it lists them under the output.
   */
  complete(host) {
    const v = this.input.value;
    const start = v.lastIndexOf(" ") + 1;
    const word = v.slice(start);
    const words = v.slice(0, start).trim().split(/\s+/).filter(Boolean);
    const firstWord = words.length === 0 || (words.length === 1 && words[0] === "sudo");
    let pool;
    if (firstWord) pool = COMMANDS.concat(host.programs || []);
    else if (/^(install|uninstall)$/.test(words[words.length - 1]) || /^(apt|apt-get)$/.test(words[0])) pool = (this.packages || []).concat(["install", "remove"]);
    else pool = this.hostList.map((x) => x.name).concat(["localhost"]);
    const matches = [...new Set(pool)].filter((c) => c.startsWith(word)).sort();
    if (!matches.length) return;
    let prefix = matches[0];
    for (const m of matches) while (!m.startsWith(prefix)) prefix = prefix.slice(0, -1);
    if (matches.length === 1) {
      this.input.value = v.slice(0, start) + matches[0] + " ";
      this.tabHint = "";
    } else if (prefix.length > word.length) {
      this.input.value = v.slice(0, start) + prefix;
    } else {
      this.tabHint = matches.join("  ") + "\n";
    }
    this.draw();
  }
}

/** fullCache keeps, per entry and host, the text of an entry shown whole. */
const fullCache = new WeakMap();

/**
 * shownText returns what entry e put in host's terminal up to event seq
 * (Infinity: all of it, kept in fullCache), and whether it cleared the
 * terminal first (clear).
 */
function shownText(e, host, seq) {
  if (seq === Infinity) {
    let m = fullCache.get(e);
    if (!m) fullCache.set(e, (m = new Map()));
    let v = m.get(host);
    if (!v) m.set(host, (v = shownText(e, host, Number.MAX_SAFE_INTEGER)));
    return v;
  }
  let out = e.host === host ? echoOf(e) : "";
  let clear = false;
  for (const c of e.out) {
    if (c.host !== host || c.seq > seq) continue;
    if (c.clear) {
      out = "";
      clear = true;
      continue;
    }
    out += c.text;
  }
  return { text: out, clear };
}

/** doneAt is the last event an entry waits for before all of it shows. */
function doneAt(e) {
  let at = e.at;
  for (const c of e.out) if (c.seq > at) at = c.seq;
  return at;
}

/**
 * fillBlock puts a block's lines into el: as text, but a line the lab
 * says in its own voice ("lab: ...", where it stops being the real tool)
 * in a span of its own, so that it never reads as the real tool's.
 */
function fillBlock(el, text) {
  el.textContent = "";
  let plain = "";
  for (const line of text.split(/(?<=\n)/)) {
    if (!line.startsWith("lab: ")) {
      plain += line;
      continue;
    }
    if (plain) el.append(plain);
    plain = "";
    el.append(h("span", { class: "term-lab", text: line }));
  }
  if (plain) el.append(plain);
}

/** echoOf is an input as its terminal shows it: the prompt and the line. */
function echoOf(e) {
  if (e.key === "ctrl-c") return "^C\n";
  if (e.key === "ctrl-d") return e.shell ? "" : "^D\n";
  if (e.key === "ctrl-z") return "^Z\n";
  if (e.prompt === "Password:") return e.prompt + "\n";
  // An empty line has no line field (the entry's JSON omits it).
  return e.prompt + (e.line ?? "") + "\n";
}

function lastAt(entries) {
  let at = 0;
  for (const e of entries) at = Math.max(at, e.to >= e.from ? e.to : e.at);
  return at;
}
