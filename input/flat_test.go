package input

import (
	"encoding/json"
	"reflect"
	"testing"
)

// flatContact is a flat struct of strings: Unmarshal fills it itself.
type flatContact struct {
	Name    string `json:"name"`
	Email   string `json:"email"`
	Message string `json:"message"`
	Nick    nick   `json:"nick"`
	Untaged string
	skipped string
	Ignored string `json:"-"`
}

type nick string

// notFlat has fields Unmarshal must leave to encoding/json.
type notFlat struct {
	Name  *string `json:"name"`
	Count string  `json:"count,string"`
	flatEmbedded
}

type flatEmbedded struct {
	Inner string `json:"inner"`
}

func TestFlatSchema(t *testing.T) {
	if !schemaOf(reflect.TypeFor[flatContact]()).flat {
		t.Error("flatContact is not flat")
	}
	if schemaOf(reflect.TypeFor[notFlat]()).flat {
		t.Error("notFlat is flat")
	}
	if schemaOf(reflect.TypeFor[profile]()).flat {
		t.Error("profile is flat")
	}
	// An unexported field is not a key.
	var c flatContact
	if err := defaultDecoder.Unmarshal([]byte(`{"skipped":"x"}`), &c); err == nil || c.skipped != "" {
		t.Errorf("unexported field: err %v, value %q", err, c.skipped)
	}
}

var flatSeeds = []string{
	`{"name":"  Ada ","email":"Ada@Example.com","message":"<b>hi</b>\nthere"}`,
	`{}`, ` { "name" : "a" , "nick" : "n" } `, `{"name":null}`, `{"name":"a","name":"b"}`,
	`{"n\u0061me":"esc"}`, `{"name":"\ud800x\udc00\ud83d\ude00"}`, `{"name":"\xff\xfe"}`, `{"Untaged":"u"}`,
	`{"untaged":"u"}`, `{"NAME":"x"}`, `{"message":"\"\\\/\b\f\n\r\t\u00e9"}`, `{"name":1}`, `{"$x":"y"}`,
	`{"count":"\"3\""}`, `{"inner":"i"}`, `null`, `{"name":"a"} x`,
}

// FuzzDecodeFlat checks that what Unmarshal accepts into a flat struct
// holds exactly what encoding/json decodes, null leaving prefilled fields
// alone, for both key policies, and that notFlat still decodes through
// encoding/json.
func FuzzDecodeFlat(f *testing.F) {
	for _, s := range flatSeeds {
		f.Add([]byte(s))
	}
	refuse, _ := NewDecoder(JSONConfig{})
	strip, _ := NewDecoder(JSONConfig{Keys: KeysStrip})
	prefilled := flatContact{Name: "pre", Email: "pre@example.com", Message: "m", Nick: "k", Untaged: "u"}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, dec := range []*Decoder{refuse, strip} {
			got := prefilled
			if err := dec.Unmarshal(data, &got); err != nil {
				continue
			}
			checked, err := dec.check(data, reflect.TypeFor[flatContact]())
			if err != nil {
				t.Fatalf("Unmarshal accepted %q, check refuses it: %v", data, err)
			}
			want := prefilled
			if err := json.Unmarshal(checked, &want); err != nil {
				t.Fatalf("Unmarshal accepted %q, encoding/json refuses it: %v", data, err)
			}
			if got != want {
				t.Fatalf("%q:\n got %+v\nwant %+v", data, got, want)
			}
			var nf, nfWant notFlat
			if dec.Unmarshal(data, &nf) == nil {
				if err := json.Unmarshal(data, &nfWant); err != nil || !reflect.DeepEqual(nf, nfWant) {
					t.Fatalf("notFlat %q: got %+v, encoding/json %+v, %v", data, nf, nfWant, err)
				}
			}
		}
	})
}
