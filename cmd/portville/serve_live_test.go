package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeLive: serve --live serves /live to this machine and says where;
// without the flag /live is off.
func TestServeLive(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		status int
	}{
		{[]string{"serve", "--addr", "127.0.0.1:0", "--live"}, http.StatusOK},
		{[]string{"serve", "--addr", "127.0.0.1:0"}, http.StatusNotFound},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		stdout, stderr := newLockedBuffer(), newLockedBuffer()
		done := make(chan error, 1)
		go func() { done <- run(ctx, tc.args, nil, stdout, stderr) }()
		var base string
		select {
		case line := <-stdout.first:
			base = "http://" + strings.TrimSpace(strings.TrimPrefix(strings.SplitN(line, "\n", 2)[0], "Portville listening on http://"))
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, stderr.String())
		case <-time.After(10 * time.Second):
			t.Fatal("serve printed no address")
		}
		resp, err := http.Get(base + "/live")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%v: GET /live: %d, want %d", tc.args, resp.StatusCode, tc.status)
		}
		cancel()
		<-done
		if says := strings.Contains(stdout.String(), base+"/live"); says != (tc.status == http.StatusOK) {
			t.Errorf("%v: the output names %s/live: %v\n%s", tc.args, base, says, stdout.String())
		}
	}
}
