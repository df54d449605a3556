package sim

// Host and program names are checked by hand rather than with regexp: the
// simulator is also compiled to WebAssembly for the static build
// (cmd/portville-wasm), and the regexp package and the Unicode tables it
// brings are about a tenth of that module. names_test.go checks both
// functions against the patterns they implement.

// maxNameBytes is the longest host or program name.
const maxNameBytes = 32

// validHostName reports whether s matches ^[a-z][a-z0-9-]{0,31}$.
func validHostName(s string) bool {
	if len(s) == 0 || len(s) > maxNameBytes || !isLower(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLower(c) && !isDigit(c) && c != '-' {
			return false
		}
	}
	return true
}

// validProgramName reports whether s matches ^[A-Za-z][A-Za-z0-9._-]{0,31}$.
func validProgramName(s string) bool {
	if len(s) == 0 || len(s) > maxNameBytes || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !isDigit(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isLower(c byte) bool  { return 'a' <= c && c <= 'z' }
func isLetter(c byte) bool { return isLower(c) || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
