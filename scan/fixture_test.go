package scan

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// testCA is a certificate authority made for one test run, and a leaf for
// 127.0.0.1 and localhost signed by it.
type testCA struct {
	pool    *x509.CertPool
	pemFile string // the CA certificate in PEM, for NODE_EXTRA_CA_CERTS
	leaf    tls.Certificate
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "harden scan test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &testCA{pool: pool, pemFile: file, leaf: tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: key}}
}

func (ca *testCA) serverConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{ca.leaf}, MinVersion: tls.VersionTLS12}
}

func (ca *testCA) clientConfig() *tls.Config {
	return &tls.Config{RootCAs: ca.pool, MinVersion: tls.VersionTLS12}
}

// listenMode says which schemes a fixture's port speaks.
type listenMode int

const (
	listenBoth      listenMode = iota // plain HTTP and HTTPS
	listenTLSOnly                     // plain-HTTP connections are closed
	listenPlainOnly                   // TLS handshakes are closed
)

// dualListener serves plain HTTP and HTTPS on one port: a connection whose
// first byte is 0x16 (a TLS handshake record) is handed over as TLS.
type dualListener struct {
	net.Listener
	mode  listenMode
	cfg   *tls.Config
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newDualListener(t testing.TB, cfg *tls.Config, mode listenMode) *dualListener {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &dualListener{Listener: inner, mode: mode, cfg: cfg, conns: make(chan net.Conn), done: make(chan struct{})}
	go l.loop()
	return l
}

func (l *dualListener) loop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			l.Close()
			return
		}
		go func() {
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			br := bufio.NewReader(c)
			first, err := br.Peek(1)
			_ = c.SetReadDeadline(time.Time{})
			if err != nil {
				c.Close()
				return
			}
			isTLS := first[0] == 0x16
			if isTLS && l.mode == listenPlainOnly || !isTLS && l.mode == listenTLSOnly {
				c.Close()
				return
			}
			var conn net.Conn = &peekedConn{Conn: c, r: br}
			if isTLS {
				conn = tls.Server(conn, l.cfg)
			}
			select {
			case l.conns <- conn:
			case <-l.done:
				conn.Close()
			}
		}()
	}
}

func (l *dualListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *dualListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// serveDual starts h on a loopback port that speaks HTTP and HTTPS and
// returns "127.0.0.1:PORT".
func serveDual(t testing.TB, ca *testCA, h http.Handler) string {
	t.Helper()
	return serveMode(t, ca, h, listenBoth)
}

// serveMode is serveDual with a choice of schemes.
func serveMode(t testing.TB, ca *testCA, h http.Handler, mode listenMode) string {
	t.Helper()
	l := newDualListener(t, ca.serverConfig(), mode)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String()
}
