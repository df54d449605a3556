// log.js: the event log, every event so far, newest at the bottom,
// filterable by host, process and kind. Clicking an entry seeks there.

import { h } from "./dom.js";
import { kindNames } from "./words.js";
import { t } from "./i18n.js";

/** maxShown bounds the entries in the DOM; older ones stay in memory. */
const maxShown = 200;

export class Log {
  constructor(root, { onSeek }) {
    this.onSeek = onSeek;
    this.events = []; // in seq order, seq <= cursor
    this.pending = []; // events whose entries join the list at the next frame (paint)
    this.filter = { host: "", pid: "", kind: "" };
    this.hostSel = h("select", { "aria-label": t("Filter by host"), onchange: () => this.setFilter("host", this.hostSel.value) });
    this.pidSel = h("select", { "aria-label": t("Filter by process"), onchange: () => this.setFilter("pid", this.pidSel.value) });
    this.kindSel = h("select", { "aria-label": t("Filter by kind"), onchange: () => this.setFilter("kind", this.kindSel.value) });
    this.list = h("ol", { class: "log-list", "aria-label": t("Event log") });
    this.list.addEventListener("click", (ev) => {
      const li = ev.target.closest("li[data-seq]");
      if (li) this.onSeek(Number(li.dataset.seq));
    });
    this.list.addEventListener("keydown", (ev) => {
      const li = ev.target.closest("li[data-seq]");
      if (li && (ev.key === "Enter" || ev.key === " ")) {
        ev.preventDefault();
        this.onSeek(Number(li.dataset.seq));
      }
    });
    root.replaceChildren(
      h("div", { class: "log-filters" }, this.hostSel, this.pidSel, this.kindSel),
      this.list,
    );
    this.refreshFilters();
  }

  setFilter(k, v) {
    this.filter[k] = v;
    this.redraw();
  }

  /**
   * set replaces the events (after a jump). A jump forward keeps what
   * is there and adds what follows: a lab's town jumps to its end on every
   * command typed while it plays, and redrawing a long log each time
   * would hold up the command's first event.
   */
  set(events) {
    const n = this.events.length;
    if (n && events.length >= n && events[n - 1] === this.events[n - 1] && events[0] === this.events[0]) {
      this.add(events.slice(n));
      return;
    }
    this.events = events.slice();
    this.refreshFilters();
    this.redraw();
  }

  /**
   * add appends new events. Their entries join the list at the next
   * frame, by themselves (paint): a busy stream adds dozens at a time,
   * and laying them out in the frame that also changes the town and the
   * captions made that frame miss its turn (issue 17).
   */
  add(events) {
    let newOptions = false;
    for (const e of events) {
      this.events.push(e);
      if ((e.host && !this.hosts?.has(e.host)) || (e.pid && !this.pids?.has(`${e.host}/${e.pid}`))) newOptions = true;
    }
    if (newOptions) this.refreshFilters();
    for (const e of events) if (this.match(e)) this.pending.push(e);
    // Only the newest maxShown can be in the list.
    if (this.pending.length > maxShown) this.pending.splice(0, this.pending.length - maxShown);
    if (this.pending.length) this.current(this.pending[this.pending.length - 1].seq);
  }

  match(e) {
    const f = this.filter;
    if (f.host && e.host !== f.host) return false;
    if (f.pid && `${e.host}/${e.pid}` !== f.pid) return false;
    if (f.kind && e.kind !== f.kind && !(f.kind === "socket" && e.kind.startsWith("socket.")) && !(f.kind === "packet" && e.kind.startsWith("packet."))) return false;
    return true;
  }

  item(e) {
    return h("li", {
      "data-seq": e.seq, "data-kind": e.kind, tabindex: 0,
      class: "log-item k-" + e.kind.replace(".", "-"), title: t("Go to this event"),
    },
    h("span", { class: "log-seq", text: String(e.seq) }),
    h("span", { class: "log-host", text: e.host || "" }),
    h("span", { class: "log-kind", text: kindNames[e.kind] || e.kind }),
    h("span", { class: "log-text", text: e.text }));
  }

  /**
   * current marks event seq's entry and scrolls it into view at the next
   * frame (paint): measuring where it is makes the browser lay the page
   * out, and doing that once per frame costs one layout instead of one
   * per message.
   */
  current(seq) {
    this.currentSeq = seq;
    if (!this.queued) this.queued = requestAnimationFrame(() => this.paint());
  }

  /** paint adds the entries add kept for it, then marks the current one and scrolls to it. */
  paint() {
    this.queued = 0;
    if (this.pending.length) {
      this.list.append(...this.pending.map((e) => this.item(e)));
      this.pending.length = 0;
      const extra = this.list.childElementCount - maxShown;
      for (let i = 0; i < extra; i++) this.list.firstElementChild.remove();
    }
    for (const n of this.list.querySelectorAll(".current")) n.classList.remove("current");
    const li = this.list.querySelector(`li[data-seq="${this.currentSeq}"]`);
    if (!li) return;
    li.classList.add("current");
    const box = this.list;
    if (li.offsetTop < box.scrollTop || li.offsetTop > box.scrollTop + box.clientHeight - li.offsetHeight) {
      box.scrollTop = li.offsetTop - box.clientHeight + li.offsetHeight + 8;
    }
  }

  redraw() {
    const shown = this.events.filter((e) => this.match(e)).slice(-maxShown);
    this.pending.length = 0;
    this.list.replaceChildren(...shown.map((e) => this.item(e)));
    if (this.events.length) this.current(this.events[this.events.length - 1].seq);
  }

  refreshFilters() {
    this.hosts = new Set();
    this.pids = new Map();
    const kinds = new Set();
    for (const e of this.events) {
      if (e.host) this.hosts.add(e.host);
      if (e.pid && e.host) this.pids.set(`${e.host}/${e.pid}`, `${e.program || "?"} ${e.pid} (${e.host})`);
      kinds.add(e.kind);
    }
    const opts = (sel, all, entries, cur) => {
      sel.replaceChildren(h("option", { value: "", text: all }), ...entries.map(([v, t]) => h("option", { value: v, text: t, selected: v === cur ? true : null })));
    };
    opts(this.hostSel, t("Hosts: all"), [...this.hosts].map((x) => [x, x]), this.filter.host);
    opts(this.pidSel, t("Processes: all"), [...this.pids.entries()], this.filter.pid);
    opts(this.kindSel, t("Kinds: all"), [["socket", t("socket calls")], ["packet", t("letters")], ...[...kinds].map((k) => [k, kindNames[k] || k])], this.filter.kind);
  }
}
