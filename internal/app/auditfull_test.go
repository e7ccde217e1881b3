package app

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/harden-go/harden/internal/appdb"
)

// fillDisk makes the SQLite database full, as a full disk would: every
// connection of the pool (bounded to n, all of them opened now) refuses to
// grow the file past its size plus pages pages (SQLITE_FULL, "database or
// disk is full").
func fillDisk(t *testing.T, a *App, n, pages int) {
	t.Helper()
	db := a.db.SQL()
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	ctx := context.Background()
	for range n {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close() // back to the pool, pragma kept
		var count int
		if err := conn.QueryRowContext(ctx, "PRAGMA page_count").Scan(&count); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "PRAGMA max_page_count = "+strconv.Itoa(count+pages)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLoginAuditOnFullDisk: logins on a database that fills up while they
// run. The security log's login_success count equals the 200s the clients
// got; every login whose session the full disk refused is a 503 without a
// session cookie and its own login_session_not_saved event, never a
// login_success.
func TestLoginAuditOnFullDisk(t *testing.T) {
	buf := &lockedBuffer{}
	a, srv := routeApp(t, Config{DataDir: t.TempDir(), SecurityLog: newSecLog(t, buf)})
	addUser(t, a, "full@example.com", userPW, appdb.RoleUser)
	fillDisk(t, a, 4, 2)

	const logins = 60
	var ok, refused int
	for i := range logins {
		c := newClient(t, srv.URL)
		status, body := c.post("/api/login", `{"email":"full@example.com","password":"`+userPW+`"}`)
		switch {
		case status == 200 && body == `{"success":true}`+"\n" && c.cookie("sid") != "":
			ok++
		case status == 503 && body == `{"error":"Service unavailable","request_id":"`+testID+`"}`+"\n" && c.cookie("sid") == "":
			refused++
		default:
			t.Errorf("login %d: %d %q (session cookie %q), want 200 with a session or 503 without", i, status, body, c.cookie("sid"))
		}
	}
	counts := map[string]int{}
	for _, ev := range buf.events(t) {
		counts[fmt.Sprint(ev["event"])]++
	}
	t.Logf("%d logins: %d × 200, %d × 503; security events %v", logins, ok, refused, counts)
	if ok == 0 || refused == 0 {
		t.Fatalf("%d × 200 and %d × 503: the disk must fill during the run for the test to show anything", ok, refused)
	}
	if got := counts["login_success"]; got != ok {
		t.Errorf("login_success events = %d, want the %d logins answered 200", got, ok)
	}
	if got := counts[eventLoginNotSaved]; got != refused {
		t.Errorf("%s events = %d, want the %d logins answered 503", eventLoginNotSaved, got, refused)
	}
	if got := counts["server_error"]; got != 0 {
		t.Errorf("server_error events = %d, want 0 (each refusal is its own event)", got)
	}
}
