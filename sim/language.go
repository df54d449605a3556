package sim

import "strings"

// Language is what the simulator says in a language other than English,
// the source language: Catalogue and errnoText are the English, and each
// table here maps the same keys (or, for Texts, the English sentence
// itself) to the translation. A missing entry falls back to English, so
// a reader never sees a key; the catalogue tests of sim/lang fail on one.
// sim/lang builds one Language per catalogue file.
//
// A nil *Language is English.
type Language struct {
	Code string // "de"
	// Narration is Catalogue in this language, by the same keys.
	Narration map[string]Sentence
	// Words are the words field puts into sentences (see wordKeys).
	Words map[string]string
	// Errnos are the strerror texts, as glibc's translation prints them.
	Errnos map[Errno]string
	// Texts are a scenario's own words: lesson titles, summaries,
	// takeaways, step sentences, questions, choices, answers and jobs,
	// keyed by their English.
	Texts map[string]string
	// Values are the measurements a checkpoint's answer quotes ("same",
	// "ephemeral"); numbers, addresses, states and errno names stay as
	// they are.
	Values map[string]string
}

// WordKeys are the words field puts into sentences, with their English;
// a Language's Words translates each (placeholders as shown).
var WordKeys = stringMap(wordKeys[:])

// wordKeys are WordKeys' entries, an array rather than a map literal
// because a small map literal compiles to a call per entry (see
// errnoTexts).
var wordKeys = [...][2]string{
	{"the_kernel", "the kernel"},
	{"kernel_of", "the kernel of {host}"},
	{"the_os", "the OS"},
	{"ordinary_user", "an ordinary user"},
	{"service", "{PROTO} port {port}"},
	{"and", " and "},
	{"bytes", "{len} bytes"},
	{"answer", "Answer: {choice}"},
	{"lab_title", "Lab: {title}"},
	{"job_serve", "serve {remote}"},
}

// stringMap returns key, value pairs as a map.
func stringMap(pairs [][2]string) map[string]string {
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		m[p[0]] = p[1]
	}
	return m
}

// Text returns s in l, or s itself when l has no translation of it.
func (l *Language) Text(s string) string {
	if l == nil || s == "" {
		return s
	}
	if t, ok := l.Texts[s]; ok && t != "" {
		return t
	}
	return s
}

// TextList returns each of texts in l (Text); without a language, texts
// itself.
func (l *Language) TextList(texts []string) []string {
	if l == nil {
		return texts
	}
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = l.Text(t)
	}
	return out
}

// Job returns a thread's job in l: a scenario's own words from its
// texts, and the job the engine gives a server's connection thread
// ("serve ADDR:PORT") from the word job_serve.
func (l *Language) Job(job string) string {
	if l == nil {
		return job
	}
	if t := l.Text(job); t != job {
		return t
	}
	if remote, ok := strings.CutPrefix(job, serveJob); ok {
		return l.word("job_serve", "remote", remote)
	}
	return job
}

// value returns a checkpoint's measured value in l.
func (l *Language) value(v string) string {
	if l == nil {
		return v
	}
	if t, ok := l.Values[v]; ok && t != "" {
		return t
	}
	return v
}

// Word returns the word key (WordKeys) in l, with its {name} filled from
// args (name, value pairs).
func (l *Language) Word(key string, args ...string) string { return l.word(key, args...) }

func (l *Language) word(key string, args ...string) string {
	w := WordKeys[key]
	if l != nil {
		if t, ok := l.Words[key]; ok && t != "" {
			w = t
		}
	}
	for i := 0; i+1 < len(args); i += 2 {
		w = strings.ReplaceAll(w, "{"+args[i]+"}", args[i+1])
	}
	return w
}

// errText returns the strerror text of e in l.
func (l *Language) errText(e Errno) string {
	if l != nil {
		if t, ok := l.Errnos[e]; ok && t != "" {
			return t
		}
	}
	return e.Error()
}

// sentence returns the catalogue entry key in l.
func (l *Language) sentence(key string) (Sentence, bool) {
	s, ok := Catalogue[key]
	if !ok {
		return s, false
	}
	if l != nil {
		if t, ok := l.Narration[key]; ok {
			if t.Text != "" {
				s.Text = t.Text
			}
			if t.Analogy != "" {
				s.Analogy = t.Analogy
			}
		}
	}
	return s, true
}

// ErrnoTexts returns the English strerror text of every errno, for the
// catalogue tests.
func ErrnoTexts() map[Errno]string {
	m := make(map[Errno]string, len(errnoText))
	for k, v := range errnoText {
		m[k] = v
	}
	return m
}
