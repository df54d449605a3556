package browsertest

import (
	"fmt"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// widthsJS measures a sentence in a canvas in each of the fonts named,
// as CSS font shorthands.
const widthsJS = `((fonts) => {
  const c = document.createElement("canvas").getContext("2d");
  return fonts.map((f) => { c.font = "20px " + f; return c.measureText("Wide fonts hold: Vollbild, Plein écran, Pantalla completa").width; });
})(%s)`

// TestFontsPinned: in each font's browser, system-ui, sans-serif and
// monospace are that font's families, a family of another font is not
// there (the machine's fonts are not seen), and the fonts differ in
// width, so a test of layout with each of them tests something.
func TestFontsPinned(t *testing.T) {
	sans := map[string]float64{}
	for _, f := range WideFonts {
		t.Run(f.Name, func(t *testing.T) {
			tab := New(t, Options{Font: f})
			tab.Do(chromedp.Navigate("about:blank"))
			other := Liberation
			if f.Name == Liberation.Name {
				other = Noto
			}
			fonts := fmt.Sprintf(`["system-ui", "sans-serif", %q, "monospace", %q, %q]`,
				`"`+f.Sans+`"`, `"`+f.Mono+`"`, `"`+other.Sans+`", system-ui`)
			w := Eval[[]float64](tab, fmt.Sprintf(widthsJS, fonts))
			if len(w) != 6 {
				t.Fatalf("measured %v", w)
			}
			if w[0] != w[2] || w[1] != w[2] {
				t.Errorf("system-ui %.1f px and sans-serif %.1f px, want %s's %.1f px", w[0], w[1], f.Sans, w[2])
			}
			if w[3] != w[4] {
				t.Errorf("monospace %.1f px, want %s's %.1f px", w[3], f.Mono, w[4])
			}
			if w[5] != w[0] {
				t.Errorf("%q is %.1f px, not system-ui's %.1f px: the browser sees a font it should not", other.Sans, w[5], w[0])
			}
			sans[f.Name] = w[0]
		})
	}
	if len(sans) == len(WideFonts) && (sans["Liberation"] == sans["DejaVu"] || sans["DejaVu"] == sans["Noto"]) {
		t.Errorf("the fonts measure the same (%v): the browsers do not use them", sans)
	}
}
