//go:build !linux

package main

import (
	"errors"
	"io"
	"os"
)

// terminalPassword refuses a terminal on standard input: hiding typed
// input is implemented on Linux only, and a password must not be echoed
// on screen. ok is false when stdin is not a terminal.
func terminalPassword(stdin io.Reader, _ io.Writer) (pw string, ok bool, err error) {
	f, isFile := stdin.(*os.File)
	if !isFile {
		return "", false, nil
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return "", false, nil
	}
	return "", true, errors.New("standard input is a terminal, and typing the password without echo is supported on Linux only: pipe the password instead")
}
