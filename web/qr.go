package web

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"

	"github.com/boombuler/barcode/qr"
)

// The QR code of a class's join URL, for the projector. The library
// (github.com/boombuler/barcode, MIT, no dependencies) gives the code as
// an image with one pixel per module; qrSVG draws the modules as one SVG
// path, so the code scales to any screen without blur and is served as an
// image file (the CSP allows no inline images but data: and 'self').

// QR code drawing.
const (
	qrLevel        = qr.M // recovers 15% of the code: enough for a projector, smaller than Q or H
	qrQuietModules = 4    // white border, in modules, that readers need
	qrModulePixels = 8    // intrinsic size of a module, before CSS scales the image
	maxQRTextBytes = 1024 // longest text encoded (a join URL is far shorter)
)

// qrSVG returns an SVG image of the QR code of text: black modules on
// white, with the quiet zone, in a viewBox of one unit per module.
func qrSVG(text string) ([]byte, error) {
	if len(text) > maxQRTextBytes {
		return nil, fmt.Errorf("qr code: the text has %d bytes, more than %d", len(text), maxQRTextBytes)
	}
	code, err := qr.Encode(text, qrLevel, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("qr code of %q: %w", text, err)
	}
	return drawQR(code), nil
}

// drawQR draws the modules of img, one pixel per module, as an SVG path
// of horizontal runs of dark modules.
func drawQR(img image.Image) []byte {
	r := img.Bounds()
	n := r.Dx()
	side := n + 2*qrQuietModules
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`,
		side, side, side*qrModulePixels, side*qrModulePixels)
	if c, ok := img.(interface{ Content() string }); ok {
		b.WriteString("<title>")
		xml.EscapeText(&b, []byte(c.Content()))
		b.WriteString("</title>")
	}
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, side, side)
	for y := 0; y < n; y++ {
		for x := 0; x < n; {
			if !isDark(img, r.Min.X+x, r.Min.Y+y) {
				x++
				continue
			}
			run := 1
			for x+run < n && isDark(img, r.Min.X+x+run, r.Min.Y+y) {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+qrQuietModules, y+qrQuietModules, run, run)
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	b.WriteByte('\n')
	return b.Bytes()
}

// isDark reports whether the module at x, y is dark (closer to black than
// to white).
func isDark(img image.Image, x, y int) bool {
	cr, cg, cb, _ := img.At(x, y).RGBA()
	return cr+cg+cb < 3*0x8000
}
