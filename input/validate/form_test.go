package validate_test

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/input/validate"
)

// TestFormSameAsJSON: with Forms on, a form and the JSON object it stands
// for give the same answer (status and body) and store the same value;
// refusals store nothing.
func TestFormSameAsJSON(t *testing.T) {
	v, err := validate.New(validate.Config{JSON: input.JSONConfig{Forms: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		form     url.Values
		json     string
		status   int
		wantBody string
	}{
		{"clean", url.Values{"name": {"  Ada  Lovelace "}, "email": {" Ada@Example.COM "}, "message": {"Hi <b>there</b><script>x</script>"}},
			`{"name":"  Ada  Lovelace ","email":" Ada@Example.COM ","message":"Hi <b>there</b><script>x</script>"}`, 200,
			`{"success":true,"message":"Message received"}` + "\n"},
		{"bad email", url.Values{"name": {"Ada"}, "email": {"ada@"}, "message": {"hi"}},
			`{"name":"Ada","email":"ada@","message":"hi"}`, 400, fieldBody(fe("email", "must be a valid email address"))},
		{"everything missing", url.Values{"_csrf": {"t"}}, `{}`, 400,
			fieldBody(fe("name", "is required"), fe("email", "is required"), fe("message", "is required"))},
		{"blank after trimming", url.Values{"name": {"  \x00 "}, "email": {"ada@example.com"}, "message": {"hi"}},
			`{"name":"  \u0000 ","email":"ada@example.com","message":"hi"}`, 400, fieldBody(fe("name", "is required"))},
		{"unknown field", url.Values{"name": {"Ada"}, "role": {"admin"}}, `{"name":"Ada","role":"admin"}`, 400,
			fieldBody(fe("role", "is not an allowed field"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fromForm, fromJSON []Contact
			fh := contactHandler(v, func(c Contact) error { fromForm = append(fromForm, c); return nil })
			jh := contactHandler(v, func(c Contact) error { fromJSON = append(fromJSON, c); return nil })
			fr := post(fh, "application/x-www-form-urlencoded", tc.form.Encode())
			jr := post(jh, "application/json", tc.json)
			if fr.Code != tc.status || fr.Body.String() != tc.wantBody {
				t.Errorf("form: got %d %q, want %d %q", fr.Code, fr.Body.String(), tc.status, tc.wantBody)
			}
			if jr.Code != fr.Code || jr.Body.String() != fr.Body.String() {
				t.Errorf("JSON %d %q, form %d %q: want the same", jr.Code, jr.Body.String(), fr.Code, fr.Body.String())
			}
			if !reflect.DeepEqual(fromForm, fromJSON) {
				t.Errorf("stored from the form %+v, from JSON %+v", fromForm, fromJSON)
			}
			if tc.status != http.StatusOK && len(fromForm) != 0 {
				t.Errorf("a refused form stored %+v", fromForm)
			}
		})
	}
}
