package scenario_test

import (
	"fmt"

	"portville/sim"
	"portville/sim/scenario"
)

// A scenario is parsed once and can be run many times; each run is
// deterministic for its seed and OS.
func ExampleScenario_Run() {
	sc, err := scenario.Parse("hello.yaml", []byte(`title: Hello
hosts:
  - name: laptop
    addr: 192.168.1.10
    os: linux
    programs: [{name: curl}]
  - name: web
    addr: 10.0.0.2
    programs: [{name: nginx, server: {listen: tcp/80, protocol: http}}]
steps:
  - start: nginx
    on: web
  - start: curl
    on: laptop
  - checkpoint:
      question: Is curl's port in the laptop's ephemeral range?
      choices: [{text: "yes", value: "yes"}, {text: "no", value: "no"}]
      measure: {in_range: curl.page}
  - connect: curl.page
    to: web:80
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := sc.Run(scenario.Options{OnEvent: func(e *sim.Event) {
		if e.Kind == sim.KindSocketAccept {
			fmt.Println("accepted on local port", e.Local.Port())
		}
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("answer:", res.Checkpoints[0].Answer, res.Checkpoints[0].Value)
	// Output:
	// accepted on local port 80
	// answer: a yes
}

// Parse reports every problem with its position.
func ExampleParse_errors() {
	_, err := scenario.Parse("bad.yaml", []byte("title: Ports\nhosts:\n  - name: web\n    addr: 10.0.0.300\nsteps:\n  - wait: 1s\n"))
	fmt.Println(err)
	// Output:
	// bad.yaml:4:11: host web: addr: "10.0.0.300" is not an IPv4 address (expected four numbers 0-255 such as 10.0.0.2)
}
