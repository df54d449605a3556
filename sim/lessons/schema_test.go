package lessons_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"portville/sim/lessons"
	"portville/sim/scenario"
)

// schemaPath is the JSON Schema editors use to check scenario files.
var schemaPath = filepath.Join("..", "..", "docs", "scenario.schema.json")

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("scenario.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("scenario.schema.json")
	if err != nil {
		t.Fatalf("%s does not compile: %v", schemaPath, err)
	}
	return sch
}

// validateYAML converts a scenario file to JSON, as an editor's YAML
// extension does, and validates it against the schema.
func validateYAML(t *testing.T, sch *jsonschema.Schema, src []byte) error {
	t.Helper()
	js, err := yaml.YAMLToJSON(src)
	if err != nil {
		t.Fatalf("YAML to JSON: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatalf("decode JSON: %v", err)
	}
	return sch.Validate(inst)
}

func TestSchemaAcceptsEveryLesson(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	for _, id := range lessons.IDs {
		if err := validateYAML(t, sch, lesson(t, id).Source); err != nil {
			t.Errorf("lesson %s does not validate against %s:\n%v", id, schemaPath, err)
		}
	}
}

// TestSchemaRejects: files the parser refuses, the schema refuses too,
// so an editor underlines them before portville check runs.
func TestSchemaRejects(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t)
	const good = "title: T\nhosts:\n  - name: web\n    addr: 10.0.0.2\n    programs:\n      - name: nginx\n        server: {listen: [tcp/80], protocol: http}\n      - name: curl\nsteps:\n  - start: nginx\n    on: web\n  - start: curl\n    on: web\n    say: hi\n  - connect: curl.s\n    to: web:80\n"
	if err := validateYAML(t, sch, []byte(good)); err != nil {
		t.Fatalf("the base file does not validate: %v", err)
	}
	if _, err := scenario.Parse("good.yaml", []byte(good)); err != nil {
		t.Fatalf("the base file does not parse: %v", err)
	}
	tests := []struct {
		name     string
		old, new string
	}{
		{"missing title", "title: T\n", ""},
		{"unknown top-level field", "title: T\n", "title: T\nauthor: me\n"},
		{"host name in capitals", "name: web", "name: Web"},
		{"not an IPv4 address", "addr: 10.0.0.2", "addr: 10.0.0.300"},
		{"host without address", "    addr: 10.0.0.2\n", ""},
		{"not a service", "tcp/80", "http/80"},
		{"unknown protocol", "protocol: http", "protocol: gopher"},
		{"unknown OS", "title: T\n", "title: T\nos: plan9\n"},
		{"step with two actions", "    on: web\n    say: hi\n", "    on: web\n    say: hi\n    wait: 1s\n"},
		{"step without an action", "  - start: curl\n    on: web\n    say: hi\n", "  - say: hi\n"},
		{"field of another action", "    to: web:80\n", "    to: web:80\n    job: x\n"},
		{"missing required field", "  - start: nginx\n    on: web\n", "  - start: nginx\n"},
		{"not a socket name", "connect: curl.s", "connect: curl"},
		{"endpoint without port", "to: web:80", "to: web"},
		{"duration without unit", "say: hi\n", "say: hi\n    after: 5\n"},
		{"empty narration", "say: hi", "say: ''"},
		{"one choice", "    to: web:80\n", "    to: web:80\n  - checkpoint:\n      question: q\n      choices: [{text: a, value: x}]\n      measure: {errno: true}\n  - wait: 1s\n"},
		{"two measure kinds", "    to: web:80\n", "    to: web:80\n  - checkpoint:\n      question: q\n      choices: [{text: a, value: x}, {text: b, value: y}]\n      measure: {errno: true, threads: curl}\n  - wait: 1s\n"},
		{"unknown packet field", "    to: web:80\n", "    to: web:80\n  - checkpoint:\n      question: q\n      choices: [{text: a, value: x}, {text: b, value: y}]\n      measure: {packet: ttl}\n  - wait: 1s\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(good, tt.old) {
				t.Fatalf("the base file has no %q", tt.old)
			}
			bad := strings.Replace(good, tt.old, tt.new, 1)
			if err := validateYAML(t, sch, []byte(bad)); err == nil {
				t.Errorf("the schema accepts:\n%s", bad)
			}
			if _, err := scenario.Parse("bad.yaml", []byte(bad)); err == nil {
				t.Errorf("the parser accepts what the schema refuses:\n%s", bad)
			}
		})
	}
}

// TestWorkedExample: the complete example in docs/scenarios.md parses,
// passes portville check, and validates against the schema, so the
// documentation cannot drift from the format.
func TestWorkedExample(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "scenarios.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- worked example -->\n```yaml\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/scenarios.md has no ```yaml block after <!-- worked example -->")
	}
	sc, err := scenario.Parse("docs/scenarios.md", m[1])
	if err != nil {
		t.Fatalf("the worked example does not parse:\n%v", err)
	}
	if err := sc.Check(); err != nil {
		t.Errorf("the worked example fails portville check:\n%v", err)
	}
	if err := validateYAML(t, compileSchema(t), m[1]); err != nil {
		t.Errorf("the worked example does not validate against the schema:\n%v", err)
	}
}
