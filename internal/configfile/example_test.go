package configfile_test

import (
	"fmt"

	"github.com/harden-go/harden/internal/configfile"
)

func ExampleDecode() {
	var cfg struct {
		Upstream string `json:"upstream"`
		CORS     struct {
			Origins []string `json:"origins"`
		} `json:"cors"`
	}
	err := configfile.Decode([]byte("upstream: http://127.0.0.1:8080\ncors:\n  origins: [https://app.example.com]\n"), configfile.YAML, &cfg)
	fmt.Println(cfg.Upstream, cfg.CORS.Origins, err)

	err = configfile.Decode([]byte(`{"upstream": "http://127.0.0.1:8080", "cors": {"orgins": []}}`), configfile.JSON, &cfg)
	fmt.Println(err)
	// Output:
	// http://127.0.0.1:8080 [https://app.example.com] <nil>
	// configfile: cors.orgins: unknown key
}
