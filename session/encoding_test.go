package session

import (
	"encoding/json"
	"maps"
	"testing"
)

func sample() state {
	return state{
		created: 1_800_000_000_000,
		touched: 1_800_000_360_000,
		userID:  "12345",
		values:  map[string]string{"theme": "dark", "lang": "en-GB", "cart": "3", "roles": "admin editor", "flash": ""},
	}
}

func TestEncodingRoundTrip(t *testing.T) {
	for _, st := range []state{sample(), {}, {userID: "u", values: map[string]string{"": "", "k\x00": "v\xff"}}} {
		var got state
		if err := got.decode(st.appendEncoded(nil)); err != nil {
			t.Fatal(err)
		}
		if got.created != st.created || got.touched != st.touched || got.userID != st.userID || !maps.Equal(got.values, st.values) {
			t.Fatalf("round trip: got %+v, want %+v", got, st)
		}
	}
}

func TestDecodeRefusesCorrupt(t *testing.T) {
	s := sample()
	enc := s.appendEncoded(nil)
	for n := range len(enc) {
		var st state
		if err := st.decode(enc[:n]); err == nil {
			t.Fatalf("decode of %d/%d bytes succeeded", n, len(enc))
		}
	}
	var st state
	if err := st.decode(append(enc, 0)); err == nil {
		t.Fatal("decode with trailing data succeeded")
	}
	// A huge count must not allocate a huge map.
	bomb := []byte{encodingV1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}
	if err := st.decode(bomb); err == nil {
		t.Fatal("decode of a count bomb succeeded")
	}
}

// FuzzDecode: a record from the store never panics the decoder, and what
// decodes re-encodes to an equivalent record.
func FuzzDecode(f *testing.F) {
	s := sample()
	f.Add(s.appendEncoded(nil))
	f.Add([]byte{encodingV1, 0, 0, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var st state
		if st.decode(b) != nil {
			return
		}
		var again state
		if err := again.decode(st.appendEncoded(nil)); err != nil || !maps.Equal(again.values, st.values) || again.userID != st.userID {
			t.Fatalf("re-encoding a decoded record failed: %v", err)
		}
	})
}

// jsonState is what a JSON encoding of the same record would look like;
// BenchmarkEncoding compares the two.
type jsonState struct {
	Created int64             `json:"c"`
	Touched int64             `json:"t"`
	UserID  string            `json:"u"`
	Values  map[string]string `json:"v"`
}

func BenchmarkEncoding(b *testing.B) {
	st := sample()
	b.Run("binary", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 256)
		for b.Loop() {
			buf = st.appendEncoded(buf[:0])
			var out state
			if err := out.decode(buf); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(buf)), "bytes")
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		js := jsonState{st.created, st.touched, st.userID, st.values}
		var n int
		for b.Loop() {
			buf, err := json.Marshal(js)
			if err != nil {
				b.Fatal(err)
			}
			var out jsonState
			if err := json.Unmarshal(buf, &out); err != nil {
				b.Fatal(err)
			}
			n = len(buf)
		}
		b.ReportMetric(float64(n), "bytes")
	})
}
