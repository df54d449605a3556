package lessons_test

import (
	"fmt"

	"portville/sim/lessons"
	"portville/sim/scenario"
)

func ExampleGet() {
	l, err := lessons.Get("port-exhaustion")
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := l.Scenario.Run(scenario.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Title())
	for _, cp := range res.Checkpoints {
		fmt.Printf("line %d: %s\n", cp.Line, cp.Value)
	}
	// Output:
	// Running out of ephemeral ports
	// line 74: EADDRNOTAVAIL
	// line 92: none
	// line 112: EADDRNOTAVAIL
	// line 132: same
}
