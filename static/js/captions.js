// captions.js: what is happening, in words: the lesson's narration and the
// current event, in analogy terms, technical terms, or both; and the
// checkpoint card that asks the class a question and reveals the answer.

import { h } from "./dom.js";
import { t } from "./i18n.js";

/** Caption modes. */
export const MODES = ["both", "analogy", "technical"];

export class Captions {
  /** root is the caption container; onAnswer(checkpoint, choiceID) reports a pick. */
  constructor(root, card, { onAnswer, announcer } = {}) {
    this.root = root;
    this.card = card;
    this.onAnswer = onAnswer || (() => {});
    // The caption is read out by the announcer (announce.js), paced; the
    // caption's own box is not a live region (playing fast, it would
    // flood a screen reader).
    this.announcer = announcer || null;
    this.asked = null; // the question last announced
    this.mode = "both";
    this.note = null;
    this.event = null;
    this.checkpoint = null; // {e, picked, answer}
    this.stats = null; // a presenter's class answers: {followers, answers}
    this.mine = {}; // a follower's answers by checkpoint number
    this.idleText = t("Press play (Space) or step (→) to begin.");
    this.after = 0; // events up to this one are the town's setup, not told
  }

  /**
   * setIdle sets what the captions say before anything has happened, and
   * the last event of the town's setup (a lab: its buildings and their
   * programs are there before the first command, not news).
   */
  setIdle(text, after) {
    this.idleText = text;
    this.after = after || 0;
    this.draw();
  }

  setMode(m) {
    this.mode = MODES.includes(m) ? m : "both";
    this.root.dataset.mode = this.mode;
    this.draw();
    this.drawCard();
  }

  /** setStats shows the class's answers on the card (presenter), or not (null). */
  setStats(stats) {
    this.stats = stats;
    this.drawCard();
  }

  /** setMine marks a follower's own answers, as the server recorded them. */
  setMine(mine) {
    this.follower = true;
    this.mine = mine || {};
    if (this.checkpoint && this.mine[this.checkpoint.e.checkpoint]) this.checkpoint.picked = this.mine[this.checkpoint.e.checkpoint];
    this.drawCard();
  }

  /** reset forgets everything (new lesson or a jump). */
  reset() {
    this.note = null;
    this.event = null;
    this.checkpoint = null;
    this.draw();
    this.drawCard();
  }

  /** show takes the newest event; with draw false the caller draws later. */
  show(e, draw = true) {
    if (e.seq <= this.after) return;
    if (e.kind === "note") this.note = e;
    else if (e.kind === "checkpoint") {
      this.checkpoint = { e, picked: null, answer: null };
      this.drawCard();
    } else if (e.kind === "checkpoint.answer") {
      if (this.checkpoint && this.checkpoint.e.checkpoint === e.checkpoint) {
        this.checkpoint.answer = e;
        this.drawCard();
      }
    } else this.event = e;
    if (draw) this.draw();
  }

  /**
   * pin shows a note no event brought (the live view's word on the
   * browser's own ports); it stays until the next one.
   */
  pin(note) {
    if (this.note && this.note.text === note.text && this.note.analogy === note.analogy) return;
    this.note = note;
    this.draw();
  }

  /** restore sets the captions from the events before a jump (latest last). */
  restore(events) {
    this.note = null;
    this.event = null;
    this.checkpoint = null;
    for (const e of events) {
      if (e.seq <= this.after) continue;
      if (e.kind === "note") this.note = e;
      else if (e.kind === "checkpoint") this.checkpoint = { e, picked: null, answer: null };
      else if (e.kind === "checkpoint.answer") {
        if (this.checkpoint && this.checkpoint.e.checkpoint === e.checkpoint) this.checkpoint.answer = e;
      } else this.event = e;
    }
    if (this.checkpoint && this.checkpoint.answer && events.length && events[events.length - 1] !== this.checkpoint.answer) {
      // An answered question stays on screen only right after its answer.
      this.checkpoint = null;
    }
    this.draw();
    this.drawCard();
  }

  /**
   * says returns what the caption mode shows of e, as [kind, sentence]
   * pairs: its analogy, its technical sentence, or both. A step with no
   * analogy of its own says its one sentence once.
   */
  says(e) {
    const out = [];
    if (this.mode !== "technical") out.push(["analogy", e.analogy || e.text]);
    if (this.mode === "technical" || (this.mode !== "analogy" && e.analogy && e.analogy !== e.text)) out.push(["technical", e.text]);
    return out;
  }

  lines(e, cls) {
    return this.says(e).map(([kind, text]) => h("p", { class: cls + " " + kind, text }));
  }

  draw() {
    const parts = [];
    if (this.note) {
      parts.push(h("div", { class: "cap-note" }, this.lines(this.note, "cap-main")));
      if (this.note.breaks) {
        parts.push(h("p", { class: "cap-breaks" }, h("strong", { text: t("Where the analogy breaks: ") }), this.note.breaks));
      }
    }
    if (this.event) {
      parts.push(h("div", { class: "cap-event" },
        h("span", { class: "cap-kind", text: `#${this.event.seq} ${this.event.kind}` }),
        this.lines(this.event, "cap-detail")));
    }
    if (!parts.length) parts.push(h("p", { class: "cap-main", text: this.idleText }));
    this.root.replaceChildren(...parts);
    this.fit();
    if (this.announcer) this.announcer.say(this.spoken());
  }

  /**
   * spoken is the caption as a screen reader says it: what the newest
   * step brought (a lesson's words or the event), with its number; the
   * rest of the caption was said when it came.
   */
  spoken() {
    const newest = [this.event, this.note].filter(Boolean).sort((a, b) => b.seq - a.seq)[0];
    return newest ? t("Step {n}: {text}", { n: newest.seq, text: this.says(newest).map(([, s]) => s).join(" ") }) : this.idleText;
  }

  /**
   * fit shrinks the caption's type until it shows whole, where the page
   * gives the caption a fixed height (--caption-fit: the projector, a
   * phone): never below 60%, nor below 13 px; past that it scrolls.
   */
  fit() {
    const r = this.root;
    r.style.fontSize = "";
    if (getComputedStyle(r).getPropertyValue("--caption-fit").trim() !== "1") return;
    r.style.overflowY = "hidden";
    r.style.overflowY = shrinkToFit(r, 0.6, 13) ? "hidden" : "auto";
  }

  drawCard() {
    const cp = this.checkpoint;
    if (!cp) {
      this.asked = null;
      if (!this.card.hidden) {
        this.card.hidden = true;
        this.card.replaceChildren();
        this.fit(); // the caption gets its row back (the projector)
      }
      return;
    }
    const e = cp.e;
    const a = cp.answer;
    if (!cp.picked && this.mine[e.checkpoint]) cp.picked = this.mine[e.checkpoint];
    const counts = this.stats && this.stats.answers ? (this.stats.answers[String(e.checkpoint)] || {}) : null;
    const answered = counts ? Object.values(counts).reduce((x, y) => x + y, 0) : 0;
    const choices = h("ol", { class: "cp-choices" }, e.choices.map((c, i) => {
      const right = a && a.answer === c.id;
      const wrongPick = a && cp.picked === c.id && !right;
      const cls = ["cp-choice", cp.picked === c.id ? "picked" : "", right ? "right" : "", wrongPick ? "wrong" : ""].join(" ");
      const mark = right ? "✓ " + t("right") : wrongPick ? "✗ " + t("your pick") : cp.picked === c.id ? t("your pick") : "";
      return h("li", {},
        h("button", {
          class: cls, type: "button", disabled: a ? true : null, "aria-pressed": cp.picked === c.id ? "true" : "false",
          onclick: () => {
            cp.picked = c.id;
            this.onAnswer(e.checkpoint, c.id);
            this.drawCard();
          },
        }, h("span", { class: "cp-letter", text: String.fromCharCode(65 + i) }), h("span", { class: "cp-text", text: c.text }),
        mark ? h("span", { class: "cp-mark", text: mark }) : null,
        counts ? this.bar(counts[c.id] || 0, answered) : null));
    }));
    const parts = [
      counts ? h("p", { class: "cp-count", text: `${answered} of ${this.stats.followers} answered` }) : null,
      h("button", { class: "cp-close", type: "button", "aria-label": t("Hide the question (Esc)"), title: t("Hide (Esc)"), text: "×", onclick: () => this.hideCard(true) }),
      h("p", { class: "cp-label", text: a ? t("Answer") : t("Question {n}: what will happen?", { n: e.checkpoint }) }),
      h("h2", { class: "cp-question", text: e.question }),
      choices,
    ];
    if (a) {
      parts.push(h("div", { class: "cp-explain" },
        this.mode !== "technical" && a.analogy ? h("p", { class: "analogy", text: a.analogy }) : null,
        this.mode !== "analogy" || !a.analogy ? h("p", { class: "technical", text: a.text }) : null,
        h("p", { class: "cp-value", text: t("The simulation measured: {value}", { value: a.value }) })));
    } else {
      parts.push(h("p", {
        class: "cp-hint",
        text: this.follower ? t("Pick your answer; the teacher goes on when the class is ready.") : t("Discuss, pick an answer, then press play or step to see what the simulation does."),
      }));
    }
    this.card.replaceChildren(...parts.filter(Boolean));
    // A new question, or its answer, is read out at once with its choices.
    const ask = `${e.checkpoint}:${a ? "answer" : "question"}`;
    if (this.announcer && this.asked !== ask) {
      this.asked = ask;
      const list = e.choices.map((c, i) => `${String.fromCharCode(65 + i)}: ${c.text}.`).join(" ");
      this.announcer.ask(a
        ? t("Answer to question {n}: {choice}. {text}", { n: e.checkpoint, choice: (e.choices.find((c) => c.id === a.answer) || {}).text || a.answer, text: this.says(a).map(([, s]) => s).join(" ") })
        : t("Question {n} for the class: {question} Choices: {choices}", { n: e.checkpoint, question: e.question, choices: list }));
    }
    const opened = this.card.hidden;
    this.card.hidden = false;
    if (opened) this.fit(); // the question takes part of the caption's row (the projector)
    this.fitCard();
  }

  /**
   * fitCard scales the question's type down until all of it shows (a
   * question with six long choices on a small screen), never below 14 px:
   * past that the question scrolls.
   */
  fitCard() {
    const c = this.card;
    if (c.hidden) return;
    if (!this.cardObserved && typeof ResizeObserver !== "undefined") {
      this.cardObserved = true;
      let last = "";
      new ResizeObserver(() => {
        const size = `${c.clientWidth}x${c.clientHeight}`;
        if (size !== last) {
          last = size;
          this.fitCard();
        }
      }).observe(c);
    }
    c.style.fontSize = "";
    shrinkToFit(c, 0.45, 14);
    // Where the question grows with its content (a phone), the town keeps
    // the rest of the stage.
    if (getComputedStyle(c).getPropertyValue("--cp-grow").trim() === "1") c.parentElement.style.setProperty("--cp-h", `${c.offsetHeight}px`);
  }

  /** bar draws how many followers picked a choice. */
  bar(n, total) {
    const pct = total ? Math.round((100 * n) / total) : 0;
    const meter = h("span", { class: "cp-meter", "aria-hidden": "true" }, h("span", { class: "cp-meter-fill" }));
    meter.firstChild.style.width = pct + "%";
    return h("span", { class: "cp-tally" }, meter, h("span", { class: "cp-tally-text", text: `${n} (${pct}%)` }));
  }

  /**
   * hideCard closes an answered question; with force, it hides an open
   * question too (the teacher wants to see the town behind it).
   */
  hideCard(force = false) {
    if (this.checkpoint && (force || this.checkpoint.answer)) {
      this.checkpoint = null;
      this.drawCard();
    }
  }
}

/**
 * shrinkToFit lowers el's type in steps of 8% until all of its content
 * shows (scrollHeight within clientHeight), down to the fraction floor of
 * its own size or floorPx, whichever is larger; it returns whether it fits.
 */
function shrinkToFit(el, floor, floorPx) {
  const base = parseFloat(getComputedStyle(el).fontSize);
  const over = () => el.scrollHeight > el.clientHeight + 1;
  const least = Math.max(base * floor, floorPx);
  let size = base;
  while (over() && size > least) {
    size = Math.max(size * 0.92, least); // the last step lands on the floor
    el.style.fontSize = `${size.toFixed(1)}px`;
  }
  return !over();
}
