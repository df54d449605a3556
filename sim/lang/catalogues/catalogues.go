// Package catalogues embeds Portville's translation files (see sim/lang)
// and parses each once.
package catalogues

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"portville/sim/lang"
)

//go:embed *.json
var files embed.FS

// Codes are the languages, English first; the others have a file here.
var Codes = []string{"en", "de", "fr", "es"}

var (
	once sync.Once
	all  map[string]*lang.Catalogue
	err  error
)

func load() {
	all = map[string]*lang.Catalogue{"en": lang.English}
	for _, code := range Codes[1:] {
		data, e := files.ReadFile(code + ".json")
		if e != nil {
			err = e
			return
		}
		c, e := lang.Parse(data)
		if e != nil {
			err = fmt.Errorf("%s.json: %w", code, e)
			return
		}
		if c.Code != code {
			err = fmt.Errorf("%s.json says its code is %q", code, c.Code)
			return
		}
		all[code] = c
	}
}

// Get returns the catalogue of code ("en", "de", ...), or nil when there
// is none. The embedded files are checked by the tests, so a failure to
// parse them is a build's fault and panics.
func Get(code string) *lang.Catalogue {
	once.Do(load)
	if err != nil {
		panic("catalogues: " + err.Error())
	}
	return all[code]
}

// Raw returns the file of code (not English), as the static build ships it.
func Raw(code string) ([]byte, error) { return files.ReadFile(code + ".json") }

// Lookup returns the catalogue of a language code as a person types it:
// "de", "DE", "de-AT" and "de_DE.UTF-8" are German. An unknown language
// is an error that lists the known ones.
func Lookup(code string) (*lang.Catalogue, error) {
	c := strings.ToLower(code)
	if i := strings.IndexAny(c, "-_.@"); i >= 0 {
		c = c[:i]
	}
	if cat := Get(c); cat != nil && c != "" {
		return cat, nil
	}
	return nil, fmt.Errorf("there is no language %q (languages: %s)", code, strings.Join(Codes, ", "))
}

// pageUI holds each language's PageUI, built once.
var pageUI sync.Map

// PageUI is what a page's script reads of its language
// (static/js/i18n.js), on <html data-ui>: the code, the languages to pick
// from, and c's ui table (empty in English). The server's pages and the
// static build's carry the same.
func PageUI(c *lang.Catalogue) string {
	if v, ok := pageUI.Load(c.Code); ok {
		return v.(string)
	}
	langs := make([][2]string, 0, len(Codes))
	for _, code := range Codes {
		langs = append(langs, [2]string{code, Get(code).Name})
	}
	b, err := json.Marshal(struct {
		Lang      string            `json:"lang"`
		Languages [][2]string       `json:"languages"`
		UI        map[string]string `json:"ui"`
	}{c.Code, langs, c.UI()})
	if err != nil {
		panic(err) // a map of strings always encodes
	}
	pageUI.Store(c.Code, string(b))
	return string(b)
}
