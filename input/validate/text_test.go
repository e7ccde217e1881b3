package validate

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/input"
)

type textForm struct {
	Name string            `json:"name" normalize:"trim,nfc,stripctl" validate:"required,max=100"`
	Tags []string          `json:"tags"`
	Meta map[string]string `json:"meta"`
	Sub  *struct {
		City string `json:"city"`
	} `json:"sub"`
	Raw []byte `json:"raw"`
}

// TestCheckRefusesInvalidText checks that Check refuses, before
// normalising, a string that is not UTF-8 (as from a form read with
// ParseForm), with the exact answer and dst's strings left as sent.
func TestCheckRefusesInvalidText(t *testing.T) {
	v, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	body := func(path string) string {
		return `{"errors":[{"type":"field","location":"body","path":"` + path + `","msg":"must be valid UTF-8"}]}` + "\n"
	}
	tests := []struct {
		name string
		dst  textForm
		want string
	}{
		{"name", textForm{Name: "\xff\xfe"}, body("name")},
		{"overlong", textForm{Name: "\xc0\xa4ne"}, body("name")},
		{"slice element", textForm{Name: "a", Tags: []string{"x", "\xed\xa0\x80"}}, body("tags[1]")},
		{"map value", textForm{Name: "a", Meta: map[string]string{"k": "\xff"}}, body(`meta[\"k\"]`)},
		{"map key", textForm{Name: "a", Meta: map[string]string{"\xff": "v"}}, body("meta[\\\"\ufffd\\\"]")},
		{"nested", textForm{Name: "a", Sub: &struct {
			City string `json:"city"`
		}{City: "\x80"}}, body("sub.city")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.dst.Name
			err := v.Check(&tt.dst)
			rec := httptest.NewRecorder()
			input.Reject(rec, httptest.NewRequest("POST", "/", nil), err)
			if rec.Code != 400 || rec.Body.String() != tt.want {
				t.Errorf("got %d %s, want 400 %s", rec.Code, rec.Body, tt.want)
			}
			if tt.dst.Name != before {
				t.Errorf("name normalised to %q before the refusal", tt.dst.Name)
			}
		})
	}
	ok := textForm{Name: " Ada \ufffd 漢 ", Raw: []byte{0xff}}
	if err := v.Check(&ok); err != nil || !strings.HasPrefix(ok.Name, "Ada") {
		t.Errorf("valid text: %v %q", err, ok.Name)
	}
}
