package sim

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestNames checks validHostName and validProgramName against the
// patterns they implement: every string of up to three bytes over an
// alphabet with a member of each class and its neighbours, strings around
// the length limit, and random strings (the seed is in the name).
func TestNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		re   *regexp.Regexp
		fn   func(string) bool
	}{
		{"host", regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`), validHostName},
		{"program", regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]{0,31}$`), validProgramName},
	}
	alphabet := []string{"a", "z", "A", "Z", "0", "9", "-", ".", "_", "`", "{", "@", "[", "/", ":", " ", "\n", "\x00", "é", "\xff"}
	var inputs []string
	var grow func(prefix string, n int)
	grow = func(prefix string, n int) {
		inputs = append(inputs, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			grow(prefix+c, n-1)
		}
	}
	grow("", 3)
	for _, n := range []int{31, 32, 33} {
		inputs = append(inputs, "a"+strings.Repeat("b", n-1), "a"+strings.Repeat("-", n-1), "A"+strings.Repeat("_", n-1))
	}
	const seed = 7
	r := rand.New(rand.NewPCG(seed, seed))
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))][0]
		}
		inputs = append(inputs, string(b))
	}
	for _, tt := range tests {
		for _, s := range inputs {
			if got, want := tt.fn(s), tt.re.MatchString(s); got != want {
				t.Errorf("%s name %q: got %v, the pattern says %v (random inputs from seed %d)", tt.name, s, got, want, seed)
			}
		}
	}
}
