package app

import (
	"crypto/sha512"
	"encoding/base64"
)

func integrityOf(b []byte) (string, error) {
	sum := sha512.Sum384(b)
	return "sha384-" + base64.StdEncoding.EncodeToString(sum[:]), nil
}
