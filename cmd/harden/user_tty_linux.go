//go:build linux

package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/harden-go/harden/internal/appdb"
)

// terminalPassword prompts on stderr and reads the password twice from
// stdin with echo off, when stdin is a terminal; ok is false when it is
// not one. The terminal's settings are restored afterwards, and also when
// the prompt is interrupted.
func terminalPassword(stdin io.Reader, stderr io.Writer) (pw string, ok bool, err error) {
	f, isFile := stdin.(*os.File)
	if !isFile {
		return "", false, nil
	}
	fd := int(f.Fd())
	saved, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", false, nil // not a terminal
	}
	quiet := *saved
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ECHONL // line input; Enter still moves on
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return "", true, errors.New("could not turn off echo on the terminal; pipe the password instead")
	}
	restore := func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, saved) }
	defer restore()
	// Ctrl-C at the prompt must not leave the shell without echo.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	defer func() {
		signal.Stop(sigs)
		close(done)
	}()
	go func() {
		select {
		case <-sigs:
			restore()
			fmt.Fprintln(stderr)
			os.Exit(130)
		case <-done:
		}
	}()

	fmt.Fprint(stderr, "Password: ")
	first, err := readPasswordLine(f)
	if err != nil || first == "" || len(first) > appdb.MaxPasswordBytes {
		if err == nil && first == "" {
			err = errors.New("no password typed")
		}
		return first, true, err // too long: CheckPassword says so
	}
	fmt.Fprint(stderr, "Repeat password: ")
	second, err := readPasswordLine(f)
	if err != nil {
		return "", true, err
	}
	if first != second {
		return "", true, errors.New("the two passwords typed differ")
	}
	return first, true, nil
}
