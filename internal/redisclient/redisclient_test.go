package redisclient

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// timeout is the bound the clients are built with.
const timeout = 250 * time.Millisecond

func TestNewClientSchemes(t *testing.T) {
	for _, tt := range []struct {
		url     string
		want    string // the client's type, or "" for an error
		wantErr error
	}{
		{"redis://127.0.0.1:6379/0", "*redis.Client", nil},
		{"rediss://:s3cret@example.com:6380", "*redis.Client", nil},
		{"redis-cluster://127.0.0.1:7000?addr=127.0.0.1:7001&addr=127.0.0.1:7002", "*redis.ClusterClient", nil},
		{"rediss-cluster://:s3cret@127.0.0.1:7000", "*redis.ClusterClient", nil},
		{"redis-sentinel://127.0.0.1:26379?master_name=main&addr=127.0.0.1:26380", "*redis.Client", nil},
		{"redis-sentinel://:s3cret@127.0.0.1:26379", "", ErrNoMasterName},
		{"redis-cluster://:s3cret@127.0.0.1:7000?bogus=1", "", ErrBadURL},
		{"memcached://:s3cret@127.0.0.1:11211", "", ErrBadURL},
		{":s3cret@127.0.0.1", "", ErrBadURL},
		{"redis://:s3cret@127.0.0.1:6379/notadb", "", ErrBadURL},
	} {
		c, err := New(tt.url, timeout)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) || c != nil {
				t.Errorf("New(%q) = %v, %v; want nil, %v", tt.url, c, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("New(%q) error %q repeats the password", tt.url, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("New(%q): %v", tt.url, err)
			continue
		}
		var got string
		switch cl := c.(type) {
		case *redis.Client:
			got = "*redis.Client"
			if o := cl.Options(); !o.ContextTimeoutEnabled || o.ReadTimeout != timeout || o.MaxRetries != 0 { // -1 given: go-redis stores "no retry" as 0
				t.Errorf("New(%q) options: context %v, read %v, retries %d; want true, %v, 0", tt.url, o.ContextTimeoutEnabled, o.ReadTimeout, o.MaxRetries, timeout)
			}
		case *redis.ClusterClient:
			got = "*redis.ClusterClient"
			if o := cl.Options(); !o.ContextTimeoutEnabled || o.ReadTimeout != timeout || len(o.Addrs) == 0 {
				t.Errorf("New(%q) options: context %v, read %v, addrs %v", tt.url, o.ContextTimeoutEnabled, o.ReadTimeout, o.Addrs)
			}
		}
		if got != tt.want {
			t.Errorf("New(%q) = %T, want %s", tt.url, c, tt.want)
		}
		_ = c.Close()
	}
}
