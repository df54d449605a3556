// lab.js: the lab's page around the town (docs/lab.md): its terminals
// (terminal.js), the buildings and programs a learner adds, undo, "Save
// as scenario" and "Share". It speaks the lab's messages of the session
// protocol (docs/protocol.md, "The lab") through the viewer, on either
// transport; everything it shows comes from what the session sent.

import { download } from "./capture.js";
import { h } from "./dom.js";
import { Terminal } from "./terminal.js";
import { t } from "./i18n.js";

/** Lab message types (web/protocol.go). */
export const L = Object.freeze({
  LAB: "lab",
  ENTRY: "lab.entry",
  UNDO: "lab.undo",
  EXPORT: "lab.export",
  INPUT: "lab.input",
});

/** maxShareChars bounds a share link's fragment: a link longer than a few
 * thousand characters does not survive every chat, LMS and browser. */
export const maxShareChars = 6000;

export class LabView {
  /** viewer is the Viewer (viewer.js); root is the panel to build in. */
  constructor(viewer, root) {
    this.viewer = viewer;
    this.root = root;
    this.info = null; // the lab message: base, hosts, entries, packages, limits
    this.shareApplied = false;
    const termRoot = h("section", { class: "terminal", id: "terminal", "aria-label": t("Terminals") });
    this.terminal = new Terminal(termRoot, {
      onInput: (host, input) => this.input(host, input),
      onUndo: () => this.undo(),
      onSelect: (host) => this.drawTools(host),
    });
    this.undoBtn = h("button", { type: "button", class: "lab-btn lab-undo", text: t("Undo"), title: t("Take back the last command (Alt-Z)"), onclick: () => this.undo() });
    this.saveBtn = h("button", { type: "button", class: "lab-btn lab-save", text: t("Save as scenario"), title: t("Download this lab as a scenario file (portville run --file)"), onclick: () => this.exportLab() });
    this.shareBtn = h("button", { type: "button", class: "lab-btn lab-share", text: t("Share"), title: t("Copy a link that reopens this lab"), onclick: () => this.share() });
    this.pcapBtn = h("button", { type: "button", class: "lab-btn lab-pcap", text: t("Save for Wireshark"), title: t("Download this lab's letters as a capture file (pcap) for Wireshark"), onclick: () => download(this.viewer.captureSource(), (t) => this.viewer.notice(t)) });
    this.addBtn = h("button", { type: "button", class: "lab-btn lab-add", text: t("Add building"), "aria-expanded": "false", onclick: () => this.toggleForm() });
    this.form = this.buildForm();
    this.installs = h("div", { class: "lab-installs", role: "group", "aria-label": t("Programs") });
    this.shareOut = h("div", { class: "lab-share-out", hidden: true });
    this.tools = h("div", { class: "lab-tools" },
      h("div", { class: "lab-actions" }, this.undoBtn, this.saveBtn, this.shareBtn, this.pcapBtn, this.addBtn),
      this.form, this.installs, this.shareOut);
    root.replaceChildren(termRoot, this.tools);
  }

  buildForm() {
    const name = h("input", { name: "name", required: true, pattern: "[a-z][a-z0-9-]{0,31}", maxlength: "32", placeholder: "files", "aria-label": t("Name"), size: "8" });
    const addr = h("input", { name: "addr", required: true, placeholder: "10.0.0.30", "aria-label": t("IP address"), size: "11" });
    const os = h("select", { name: "os", "aria-label": t("OS profile") },
      [["linux", "Linux"], ["windows", "Windows"], ["macos", "macOS"], ["freebsd", "FreeBSD"]].map(([v, t]) => h("option", { value: v, text: t })));
    const form = h("form", { class: "lab-form", hidden: true },
      h("label", {}, t("Name") + " ", name), h("label", {}, t("Address") + " ", addr), h("label", {}, t("OS") + " ", os),
      h("button", { type: "submit", class: "lab-btn", text: t("Build") }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.input("town", { line: `add-host ${name.value.trim()} ${addr.value.trim()} ${os.value}` });
      name.value = "";
      addr.value = "";
      this.toggleForm(false);
    });
    this.formName = name;
    return form;
  }

  toggleForm(show) {
    const open = show === undefined ? this.form.hidden : show;
    this.form.hidden = !open;
    this.addBtn.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) {
      const n = (this.info ? this.info.hosts.length : 0) + 1;
      this.formName.placeholder = `host${n}`;
      this.formName.focus();
    }
  }

  /** receive handles the lab's messages; false for any other. */
  receive(m) {
    switch (m.type) {
      case L.LAB:
        this.set(m);
        return true;
      case L.ENTRY:
        if (this.info) {
          this.info.entries.length = m.n - 1;
          this.info.entries.push(m.entry);
          this.info.hosts = m.hosts;
        }
        this.terminal.add(m.n, m.entry, m.hosts);
        this.drawTools();
        return true;
      case L.UNDO:
        if (this.info) {
          this.info.entries.length = m.n;
          this.info.hosts = m.hosts;
        }
        this.terminal.undo(m.n, m.hosts);
        this.drawTools();
        return true;
      case L.EXPORT:
        this.download(m.scenario);
        return true;
    }
    return false;
  }

  /** hello takes the lab part of a hello; a lab opened from a share link loads its script. */
  hello(info, newSession) {
    if (!info) return;
    const had = this.info ? this.info.entries.length : 0;
    const script = newSession && had > info.entries.length ? this.script() : "";
    this.set(info);
    if (script) {
      // The session expired and a new one started empty: type the lab
      // back into it.
      this.viewer.send({ type: "load", lab: script });
      return;
    }
    if (!this.shareApplied) {
      this.shareApplied = true;
      this.fromLink();
    }
  }

  set(info) {
    this.info = { ...info, entries: info.entries.slice() };
    this.terminal.packages = (info.packages || []).map((p) => p.name);
    this.terminal.set(info.entries, info.hosts);
    this.drawTools();
  }

  /** at follows the town: the terminals show what they showed at event seq. */
  at(seq) {
    this.terminal.at(seq);
  }

  /** select opens a host's terminal (a click on its building). */
  select(host) {
    this.terminal.select(host, true);
  }

  setReadOnly(ro) {
    this.terminal.setReadOnly(ro, ro ? t("The teacher is typing; you see the terminals as they do.") : "");
    for (const b of [this.undoBtn, this.addBtn]) b.disabled = ro;
    this.drawTools();
  }

  input(host, input) {
    if (this.terminal.readOnly) return;
    if (this.info && this.info.entries.length >= this.info.limits.entries) {
      this.viewer.notice(t("This lab has {n} commands, the most it holds. Save it as a scenario, or undo something.", { n: this.info.limits.entries }));
      return;
    }
    this.viewer.send({ type: L.INPUT, host, ...input });
  }

  undo() {
    if (this.terminal.readOnly) return;
    this.viewer.send({ type: L.UNDO });
  }

  exportLab() {
    this.viewer.send({ type: L.EXPORT });
  }

  download(yaml) {
    const blob = new Blob([yaml], { type: "application/yaml" });
    const a = h("a", { href: URL.createObjectURL(blob), download: "portville-lab.yaml" });
    document.body.appendChild(a);
    a.click();
    setTimeout(() => {
      URL.revokeObjectURL(a.href);
      a.remove();
    }, 1000);
    this.viewer.notice(t("Saved portville-lab.yaml: replay it with portville run --file portville-lab.yaml, or check it with portville check."));
  }

  /** script is the lab's inputs as a script (docs/lab.md, "Scripts"). */
  script() {
    if (!this.info) return "";
    return this.info.entries.map((e) => `${e.host}$ ${e.key === "ctrl-c" ? "^C" : e.key === "ctrl-d" ? "^D" : e.key === "ctrl-z" ? "^Z" : e.line ?? ""}\n`).join("");
  }

  /** share copies a link that reopens this lab: its town, OS and seed in the query, its script compressed in the fragment. */
  async share() {
    const meta = this.viewer.meta || {};
    const q = new URLSearchParams();
    if (this.info && this.info.base) q.set("lesson", this.info.base);
    if (meta.os) q.set("os", meta.os);
    if (meta.seed !== undefined) q.set("seed", String(meta.seed));
    const u = new URL(location.href);
    u.search = q.toString();
    u.hash = "";
    let frag = "";
    try {
      frag = await encodeScript(this.script());
    } catch {
      this.viewer.notice(t("This browser cannot compress the lab for a link; save it as a scenario instead."));
      return;
    }
    if (frag.length > maxShareChars) {
      this.viewer.notice(t("This lab is too long for a link ({n} characters; the limit is {max}). Save it as a scenario instead.", { n: frag.length, max: maxShareChars }));
      return;
    }
    if (frag) u.hash = "lab=" + frag;
    const link = u.href;
    const field = h("input", { class: "lab-share-link", readonly: true, value: link, "aria-label": t("Link to this lab") });
    this.shareOut.replaceChildren(h("p", { text: t("This link reopens the lab (its town, OS, seed and commands):") }), field);
    this.shareOut.hidden = false;
    field.select();
    try {
      await navigator.clipboard.writeText(link);
      this.viewer.notice(t("Link copied."));
    } catch {
      /* no clipboard permission: the link is selected for copying */
    }
  }

  /** fromLink loads the script a share link carries, once. */
  async fromLink() {
    const m = /(?:^#|&)lab=([A-Za-z0-9_-]+)/.exec(location.hash);
    if (!m) return;
    let script;
    try {
      script = await decodeScript(m[1]);
    } catch {
      this.viewer.notice(t("This link's lab could not be read: it may have been cut short."));
      return;
    }
    this.viewer.send({ type: "load", lab: script });
  }

  /** drawTools shows the programs the selected host can install or remove. */
  drawTools(host) {
    if (!this.info) return;
    const name = host || this.terminal.current;
    const hi = this.info.hosts.find((x) => x.name === name);
    this.undoBtn.disabled = this.terminal.readOnly || this.info.entries.length === 0;
    if (!hi) {
      this.installs.replaceChildren();
      return;
    }
    const installed = new Set(hi.programs || []);
    const buttons = (this.info.packages || []).map((p) => {
      const on = installed.has(p.program);
      return h("button", {
        type: "button", class: on ? "lab-pkg on" : "lab-pkg", disabled: this.terminal.readOnly ? true : null,
        title: on ? t("Remove {program} from {host}", { program: p.program, host: name }) : t("Install {program} on {host} (port {port})", { program: p.title, host: name, port: p.port }),
        text: on ? t("Remove {program}", { program: p.program }) : t("Install {program}", { program: p.name }),
        onclick: () => this.input(name, { line: `${on ? "uninstall" : "install"} ${p.name}` }),
      });
    });
    this.installs.replaceChildren(h("span", { class: "lab-installs-label", text: t("On {host}:", { host: name }) }), ...buttons);
  }
}

/** encodeScript compresses a script for a link: deflate-raw, base64url. */
export async function encodeScript(script) {
  if (!script) return "";
  const stream = new Blob([script]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** decodeScript reads what encodeScript wrote. */
export async function decodeScript(frag) {
  const b64 = frag.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const text = await new Response(stream).text();
  if (text.length > 2 * 500 * 1040) throw new Error("too long");
  return text;
}
