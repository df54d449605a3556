package web

// Languages (DESIGN.md "Wave 2: Languages"). Every page and websocket has
// one: ?lang= when the URL gives it, else the browser's Accept-Language,
// else English. The catalogues are sim/lang's; golang.org/x/text/language
// matches what a browser asks for ("de-AT, en;q=0.5") to what Portville
// has.

import (
	"context"
	"net/http"
	"strings"

	"golang.org/x/text/language"

	"portville/sim/lang"
	"portville/sim/lang/catalogues"
	"portville/web/wire"
)

var (
	langTags    = func() []language.Tag { return tagsOf(catalogues.Codes) }()
	langMatcher = language.NewMatcher(langTags)
)

func tagsOf(codes []string) []language.Tag {
	out := make([]language.Tag, len(codes))
	for i, c := range codes {
		out[i] = language.MustParse(c)
	}
	return out
}

// langByTag returns the catalogue of the language that matches tag well
// enough (de-AT is German; Swiss German is not), or nil.
func langByTag(tag language.Tag) *lang.Catalogue {
	_, i, conf := langMatcher.Match(tag)
	if conf < language.High {
		return nil
	}
	return catalogues.Get(catalogues.Codes[i])
}

// parseLang reads a ?lang= value: a language tag Portville speaks. ""
// gives nil, no error.
func parseLang(v string) (*lang.Catalogue, error) {
	if v == "" {
		return nil, nil
	}
	tag, err := language.Parse(v)
	var c *lang.Catalogue
	if err == nil && len(v) <= 35 {
		c = langByTag(tag)
	}
	if c == nil {
		return nil, userErrorf(wire.CodeBadValue, "lang: Portville has no language %q; it speaks %s", v, strings.Join(catalogues.Codes, ", "))
	}
	return c, nil
}

// acceptLang returns the best language of an Accept-Language header, or
// English.
func acceptLang(header string) *lang.Catalogue {
	if header == "" || len(header) > 1024 {
		return lang.English
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return lang.English
	}
	_, i, conf := langMatcher.Match(tags...)
	if conf < language.High {
		return lang.English
	}
	return catalogues.Get(catalogues.Codes[i])
}

// requestLang returns the language of a request: ?lang=, else
// Accept-Language. A ?lang= Portville does not speak is an error.
func requestLang(r *http.Request) (*lang.Catalogue, error) {
	if c, err := parseLang(r.URL.Query().Get("lang")); c != nil || err != nil {
		return c, err
	}
	return acceptLang(r.Header.Get("Accept-Language")), nil
}

type langKey struct{}

// langChoice is what withLang puts in a request's context.
type langChoice struct {
	c        *lang.Catalogue
	explicit bool // the URL said ?lang=
}

// withLang puts the request's language in its context (langOf reads it);
// an unknown ?lang= gets the error page, in the browser's language.
func (s *Server) withLang(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept-Language")
		c, err := requestLang(r)
		if err != nil {
			r = r.WithContext(context.WithValue(r.Context(), langKey{}, langChoice{c: acceptLang(r.Header.Get("Accept-Language"))}))
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Language", c.Code)
		ch := langChoice{c: c, explicit: r.URL.Query().Get("lang") != ""}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), langKey{}, ch)))
	})
}

// langOf returns the language withLang chose (English outside it).
func langOf(ctx context.Context) *lang.Catalogue {
	if ch, ok := ctx.Value(langKey{}).(langChoice); ok && ch.c != nil {
		return ch.c
	}
	return lang.English
}

// langExplicit reports whether the request's URL named its language.
func langExplicit(ctx context.Context) bool {
	ch, _ := ctx.Value(langKey{}).(langChoice)
	return ch.explicit
}

// langOptions are the languages of the picker, each named in itself.
func langOptions() []langOption {
	out := make([]langOption, 0, len(catalogues.Codes))
	for _, code := range catalogues.Codes {
		out = append(out, langOption{Code: code, Name: catalogues.Get(code).Name})
	}
	return out
}

// uiJSON is what a page's script reads of its language (i18n.js).
func uiJSON(c *lang.Catalogue) string { return catalogues.PageUI(c) }
