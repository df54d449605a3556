package scenario

// Texts returns every sentence of the scenario a reader sees, in the
// order they come, each once: its title, summary and takeaways, each
// step's narration, analogy, breaks and job, each checkpoint's question,
// choices, explanation and analogy (with {value} unfilled). These are
// the keys a translation of the scenario gives (sim.Language.Texts).
func (sc *Scenario) Texts() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	add(sc.Title)
	add(sc.Summary)
	for _, t := range sc.Takeaways {
		add(t)
	}
	for i := range sc.Steps {
		st := &sc.Steps[i]
		add(st.Say)
		add(st.Analogy)
		add(st.Breaks)
		add(st.Job)
		if cp := st.Checkpoint; cp != nil {
			add(cp.Question)
			for _, c := range cp.Choices {
				add(c.Text)
			}
			add(cp.Explain)
			add(cp.Analogy)
		}
	}
	return out
}

// QuotedValues returns the values a checkpoint's explanation or analogy
// quotes ({value}) that are words, not numbers, states, errno names or
// the scenario's own names: a translation gives them (sim.Language.Values).
func (sc *Scenario) QuotedValues() []string {
	var out []string
	seen := map[string]bool{}
	for i := range sc.Steps {
		cp := sc.Steps[i].Checkpoint
		if cp == nil || !(containsValue(cp.Explain) || containsValue(cp.Analogy)) {
			continue
		}
		for _, c := range cp.Choices {
			for _, v := range c.Values {
				if isWord(v) && !sc.isName(v) && !seen[v] {
					seen[v] = true
					out = append(out, v)
				}
			}
		}
	}
	return out
}

func containsValue(s string) bool {
	for i := 0; i+7 <= len(s); i++ {
		if s[i:i+7] == "{value}" {
			return true
		}
	}
	return false
}

// isWord reports whether v is lower-case letters (and spaces or hyphens):
// "same", "well-known"; not "80", "ESTABLISHED" or "EADDRINUSE".
func isWord(v string) bool {
	if v == "" {
		return false
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r == ' ' || r == '-') {
			return false
		}
	}
	return true
}

// isName reports whether v names one of the scenario's hosts or programs.
func (sc *Scenario) isName(v string) bool {
	for _, h := range sc.Hosts {
		if h.Name == v {
			return true
		}
		for _, p := range h.Programs {
			if p.Name == v {
				return true
			}
		}
	}
	return false
}
