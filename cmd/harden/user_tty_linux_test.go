//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns the two ends of a new pseudo-terminal.
func openPTY(t *testing.T) (control, term *os.File) {
	t.Helper()
	control, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { control.Close() })
	fd := int(control.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	term, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { term.Close() })
	return control, term
}

// screen collects what the terminal shows.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) waitFor(t *testing.T, want string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		s.mu.Lock()
		seen := strings.Contains(s.buf.String(), want)
		s.mu.Unlock()
		if seen {
			return
		}
	}
	t.Fatalf("the terminal never showed %q", want)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// TestTerminalPassword types the password twice at the prompt of a real
// pseudo-terminal: it is read, never echoed, and echo is back on after.
func TestTerminalPassword(t *testing.T) {
	for _, tt := range []struct {
		name, second, wantPW, wantErr string
	}{
		{"same twice", testPassword, testPassword, ""},
		{"typed differently", testPassword + "x", "", "the two passwords typed differ"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			control, term := openPTY(t)
			var shown screen
			go func() {
				b := make([]byte, 256)
				for {
					n, err := control.Read(b)
					shown.mu.Lock()
					shown.buf.Write(b[:n])
					shown.mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
			type result struct {
				pw  string
				ok  bool
				err error
			}
			done := make(chan result, 1)
			go func() {
				pw, ok, err := terminalPassword(term, term)
				done <- result{pw, ok, err}
			}()
			shown.waitFor(t, "Password: ")
			fmt.Fprint(control, testPassword+"\n")
			shown.waitFor(t, "Repeat password: ")
			fmt.Fprint(control, tt.second+"\n")
			var r result
			select {
			case r = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("terminalPassword did not return")
			}
			errText := ""
			if r.err != nil {
				errText = r.err.Error()
			}
			if !r.ok || r.pw != tt.wantPW || errText != tt.wantErr {
				t.Errorf("terminalPassword = %q, %v, %q; want %q, true, %q", r.pw, r.ok, errText, tt.wantPW, tt.wantErr)
			}
			if strings.Contains(shown.String(), "horse") {
				t.Errorf("the terminal echoed the password: %q", shown.String())
			}
			tio, err := unix.IoctlGetTermios(int(term.Fd()), unix.TCGETS)
			if err != nil || tio.Lflag&unix.ECHO == 0 {
				t.Errorf("after the prompt, echo is off (termios %+v, %v)", tio, err)
			}
		})
	}
}

func TestTerminalPasswordNotATerminal(t *testing.T) {
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	for name, in := range map[string]io.Reader{"/dev/null": devNull, "a reader": strings.NewReader(testPassword)} {
		var stderr bytes.Buffer
		if pw, ok, err := terminalPassword(in, &stderr); pw != "" || ok || err != nil || stderr.Len() != 0 {
			t.Errorf("%s: terminalPassword = %q, %v, %v, prompt %q; want not a terminal, no prompt", name, pw, ok, err, stderr.String())
		}
	}
}
