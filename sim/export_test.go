package sim

// Fill exposes the narration template filler to the external tests.
var Fill = fill
