package browsertest

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
)

// Font is the one font family a test browser has. Its fontconfig reads
// the machine's rules but accepts only the font's files, and makes every
// generic family (system-ui, sans-serif, serif, monospace) the font's: a
// page looks the same on every machine that has the font's package, and
// a test of layout can be run with each font that Linux desktops default
// to.
type Font struct {
	Name    string // as tests name it: "Liberation"
	Package string // the Debian packages that install it
	Dir     string // where those packages put its files
	// Sans, Serif and Mono are the font's family names for the generic
	// families; Files are files that must be there.
	Sans, Serif, Mono string
	Files             []string
}

// The fonts the tests run with. Liberation (Arial's metrics) is the
// default; DejaVu Sans is fontconfig's default on Debian and Ubuntu
// desktops and much wider; Noto Sans is Fedora's and Android's. The
// Ubuntu font is not in Debian's archive, so it is not among them; it is
// narrower than DejaVu.
var (
	Liberation = Font{
		Name: "Liberation", Package: "fonts-liberation", Dir: "/usr/share/fonts/truetype/liberation",
		Sans: "Liberation Sans", Serif: "Liberation Serif", Mono: "Liberation Mono",
		Files: []string{"LiberationSans-Regular.ttf", "LiberationMono-Regular.ttf"},
	}
	DejaVu = Font{
		Name: "DejaVu", Package: "fonts-dejavu-core", Dir: "/usr/share/fonts/truetype/dejavu",
		Sans: "DejaVu Sans", Serif: "DejaVu Serif", Mono: "DejaVu Sans Mono",
		Files: []string{"DejaVuSans.ttf", "DejaVuSansMono.ttf"},
	}
	Noto = Font{
		Name: "Noto", Package: "fonts-noto-core fonts-noto-mono", Dir: "/usr/share/fonts/truetype/noto",
		Sans: "Noto Sans", Serif: "Noto Serif", Mono: "Noto Sans Mono",
		Files: []string{"NotoSans-Regular.ttf", "NotoSansMono-Regular.ttf"},
	}
	// WideFonts are the fonts a layout must hold with.
	WideFonts = []Font{Liberation, DejaVu, Noto}
)

// missing names the first of the font's files that the machine lacks,
// or "".
func (f Font) missing() string {
	for _, name := range f.Files {
		p := filepath.Join(f.Dir, name)
		if _, err := os.Stat(p); err != nil {
			return p
		}
	}
	return ""
}

// config is a fontconfig file that sees only the font's files, and
// caches what it scans in cacheDir. It includes the machine's own rules
// first: Chromium finds its system-ui font through them.
func (f Font) config(cacheDir string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
`)
	fmt.Fprintf(&b, "  <dir>%s</dir>\n", html.EscapeString(f.Dir))
	fmt.Fprintf(&b, "  <cachedir>%s</cachedir>\n", html.EscapeString(cacheDir))
	fmt.Fprintf(&b, "  <selectfont>\n    <acceptfont><glob>%s/*</glob></acceptfont>\n    <rejectfont><glob>*</glob></rejectfont>\n  </selectfont>\n", html.EscapeString(f.Dir))
	alias := func(generic, family string) {
		fmt.Fprintf(&b, "  <alias binding=\"strong\"><family>%s</family><prefer><family>%s</family></prefer></alias>\n",
			generic, html.EscapeString(family))
	}
	for _, g := range []string{"system-ui", "sans-serif", "sans"} {
		alias(g, f.Sans)
	}
	alias("serif", f.Serif)
	for _, g := range []string{"monospace", "ui-monospace", "mono"} {
		alias(g, f.Mono)
	}
	b.WriteString("</fontconfig>\n")
	return []byte(b.String())
}
