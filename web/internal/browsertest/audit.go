package browsertest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// axeSource is axe-core (testdata/axe: its version and licence), injected
// into a page to audit it. Only the tests import this package: the app
// never serves it.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// AxeTags are the rule sets Audit runs: every WCAG 2.0 and 2.1 rule of
// levels A and AA, and axe's best practices.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"}

// Violation is one rule axe-core found broken, with the elements that
// break it.
type Violation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
	Summary string   `json:"summary"` // how the first element fails it
}

func (v Violation) String() string {
	t := strings.Join(v.Targets, ", ")
	if len(t) > 200 {
		t = t[:197] + "..."
	}
	return fmt.Sprintf("%s (%s): %s: %s; %s", v.ID, v.Impact, v.Help, t, strings.Join(strings.Fields(v.Summary), " "))
}

// auditJS runs axe on the whole document and returns its violations as
// JSON. Animations are left running: the audit sees the page as a learner
// does, mid-lesson.
const auditJS = `(async () => {
  const r = await axe.run(document, { runOnly: { type: "tag", values: %s }, resultTypes: ["violations"] });
  return JSON.stringify(r.violations.map((v) => ({ id: v.id, impact: v.impact || "", help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")), summary: v.nodes.length ? (v.nodes[0].failureSummary || "") : "" })));
})()`

// Audit runs axe-core in the tab's page and returns the rules it breaks.
func Audit(tab *Tab) []Violation {
	tab.t.Helper()
	if !Eval[bool](tab, `typeof axe !== "undefined"`) {
		Eval[bool](tab, axeSource+"\n;true")
	}
	tags, _ := json.Marshal(AxeTags)
	var vs []Violation
	if err := json.Unmarshal([]byte(Eval[string](tab, fmt.Sprintf(auditJS, tags))), &vs); err != nil {
		tab.t.Fatalf("axe-core's answer: %v", err)
	}
	return vs
}
