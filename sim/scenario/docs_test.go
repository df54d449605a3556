package scenario

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"portville/sim"
)

// TestFormatDocumented keeps docs/scenarios.md and docs/scenario.schema.json
// in step with the parser: every action and its fields, every measure,
// packet field and server protocol appears in both.
func TestFormatDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../docs/scenario.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs struct {
			Step struct {
				OneOf []struct {
					Title      string                     `json:"title"`
					Required   []string                   `json:"required"`
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"oneOf"`
			} `json:"step"`
			Measure struct {
				OneOf []struct {
					Title      string                     `json:"title"`
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"oneOf"`
			} `json:"measure"`
			Server struct {
				Properties struct {
					Protocol struct {
						Enum []string `json:"enum"`
					} `json:"protocol"`
				} `json:"properties"`
			} `json:"server"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	text := string(doc)

	var schemaActions []string
	for _, v := range schema.Defs.Step.OneOf {
		schemaActions = append(schemaActions, v.Title)
		var keys []string
		for k := range v.Properties {
			keys = append(keys, k)
		}
		want := append(append([]string{v.Title}, commonKeys...), actionKeys[v.Title]...)
		slices.Sort(keys)
		slices.Sort(want)
		if !slices.Equal(keys, want) {
			t.Errorf("schema step %s has fields %v, the parser takes %v", v.Title, keys, want)
		}
		req := append([]string{v.Title}, requiredKeys[v.Title]...)
		if !slices.Equal(v.Required, req) {
			t.Errorf("schema step %s requires %v, the parser %v", v.Title, v.Required, req)
		}
	}
	if !slices.Equal(schemaActions, actions) {
		t.Errorf("schema actions %v, parser actions %v", schemaActions, actions)
	}
	for _, a := range actions {
		if !strings.Contains(text, "| `"+a+":") && !strings.Contains(text, "| `"+a+": ") {
			t.Errorf("docs/scenarios.md has no row for the action %s", a)
		}
	}

	var schemaMeasures []string
	for _, v := range schema.Defs.Measure.OneOf {
		schemaMeasures = append(schemaMeasures, v.Title)
	}
	if !slices.Equal(schemaMeasures, measureKinds) {
		t.Errorf("schema measures %v, parser measures %v", schemaMeasures, measureKinds)
	}
	for _, m := range measureKinds {
		if !strings.Contains(text, "| `"+m+":") {
			t.Errorf("docs/scenarios.md has no row for the measure %s", m)
		}
	}
	for _, f := range packetFields {
		if !strings.Contains(text, "`"+f+"`") || !strings.Contains(string(raw), `"`+f+`"`) {
			t.Errorf("the packet field %s is missing from the docs or the schema", f)
		}
	}
	if !slices.Equal(schema.Defs.Server.Properties.Protocol.Enum, sim.Protocols) {
		t.Errorf("schema protocols %v, sim.Protocols %v", schema.Defs.Server.Properties.Protocol.Enum, sim.Protocols)
	}
	for _, p := range sim.Protocols {
		if !strings.Contains(text, "| `"+p+"` |") {
			t.Errorf("docs/scenarios.md does not describe the protocol %s", p)
		}
	}
	for _, limit := range []string{
		fmt.Sprintf("| file size | %d KiB |", MaxFileBytes>>10),
		fmt.Sprintf("| hosts | %d |", MaxHosts),
		fmt.Sprintf("| addresses per host | %d |", MaxAddrsPerHost),
		fmt.Sprintf("| programs per host | %d |", MaxProgramsPerHost),
		fmt.Sprintf("| steps | %d |", MaxSteps),
		fmt.Sprintf("| choices per checkpoint | 2 to %d |", MaxChoices),
		fmt.Sprintf("| `reveal_after` | %d |", MaxRevealAfter),
		fmt.Sprintf("| events per run | %d,%03d |", MaxEvents/1000, MaxEvents%1000),
		fmt.Sprintf("| `wait` and `after`, added up | %s of simulated time |", humanDuration(MaxWaitTotal)),
		fmt.Sprintf("| a whole run, timers included | %s of simulated time |", humanDuration(MaxSimTime)),
		fmt.Sprintf("| any text field | %d bytes |", maxTextBytes),
		fmt.Sprintf("| nesting depth | %d levels |", maxDepth),
		fmt.Sprintf("| problems reported per file | %d |", maxErrors),
	} {
		if !strings.Contains(text, limit) {
			t.Errorf("docs/scenarios.md does not state the limit %q", limit)
		}
	}
}
