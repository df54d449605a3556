package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"time"

	"github.com/go-chi/chi/v5"
)

// maxAssetBytes bounds the front end kept in memory.
const maxAssetBytes = 64 << 20

// assets serves the front end under /static/{version}/, where version is
// a hash of every file: a URL names one content forever, so browsers may
// cache it for a year, and a new binary changes every URL.
type assets struct {
	base    string // the server's base path (hosting.go)
	version string
	files   map[string]asset // by path in the FS: "js/app.js"
}

type asset struct {
	data  []byte
	etag  string
	ctype string
}

// newAssets reads and hashes every file of fsys.
func newAssets(fsys fs.FS) (*assets, error) {
	a := &assets{files: map[string]asset{}}
	var names []string
	total := 0
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		if total += len(data); total > maxAssetBytes {
			return fmt.Errorf("the static files exceed %d MiB", maxAssetBytes>>20)
		}
		sum := sha256.Sum256(data)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.files[p] = asset{data: data, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, ctype: ctype}
		names = append(names, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static assets: %w", err)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%s\x00", n, a.files[n].etag)
	}
	a.version = hex.EncodeToString(h.Sum(nil))[:12]
	return a, nil
}

// url returns the URL of the asset at p ("css/app.css").
func (a *assets) url(p string) string { return a.base + "/static/" + a.version + "/" + p }

// serve answers /static/{version}/*. An old version's URL redirects to
// the current one (the redirect itself is not cached); a file that does
// not exist is a 404.
func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	a := s.assets
	p := chi.URLParam(r, "*")
	f, ok := a.files[p]
	if !ok {
		s.fail(w, r, fmt.Errorf("asset %q: %w", p, errNotFound))
		return
	}
	if chi.URLParam(r, "version") != a.version {
		w.Header().Set("Cache-Control", "no-cache")
		http.Redirect(w, r, a.url(p), http.StatusFound)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", f.etag)
	h.Set("Content-Type", f.ctype)
	http.ServeContent(w, r, p, time.Time{}, bytes.NewReader(f.data))
}
