package sim

// Fill exposes the narration template filler to the external tests.
func Fill(tmpl string, e *Event) string { return fill(tmpl, e, nil) }
