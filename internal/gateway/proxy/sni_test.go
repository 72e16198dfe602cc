package proxy

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// clientHello captures the first flight a real crypto/tls client sends.
func clientHello(t testing.TB, serverName string, maxVers uint16) []byte {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	go func() {
		c := tls.Client(b, &tls.Config{ServerName: serverName, InsecureSkipVerify: true, MaxVersion: maxVers})
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		_ = c.Handshake()
		b.Close()
	}()
	_ = a.SetReadDeadline(time.Now().Add(2 * time.Second))
	var out bytes.Buffer
	buf := make([]byte, 64<<10)
	for {
		n, err := a.Read(buf)
		out.Write(buf[:n])
		if err != nil || out.Len() > 5 && out.Len() >= 5+int(out.Bytes()[3])<<8|int(out.Bytes()[4]) {
			return out.Bytes()
		}
	}
}

func TestPeekClientHello(t *testing.T) {
	for _, vers := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		hello := clientHello(t, "WWW.Example.COM", vers)
		stream := append(append([]byte(nil), hello...), "after"...)
		br := bufio.NewReaderSize(bytes.NewReader(stream), maxClientHello+5)
		sni, n, err := peekClientHello(br)
		if err != nil || sni != "www.example.com" || n != len(hello) {
			t.Fatalf("vers %x: sni %q n %d (hello %d) err %v", vers, sni, n, len(hello), err)
		}
		// Nothing was consumed: the tunnel forwards the exact bytes.
		all, _ := io.ReadAll(br)
		if !bytes.Equal(all, stream) {
			t.Fatal("peek consumed bytes")
		}
	}
	// A hello split over two records (as large hellos are).
	hello := clientHello(t, "split.example", tls.VersionTLS13)
	body := hello[5:]
	half := len(body) / 2
	var two []byte
	two = append(two, 0x16, 3, 1, byte(half>>8), byte(half))
	two = append(two, body[:half]...)
	two = append(two, 0x16, 3, 1, byte((len(body)-half)>>8), byte(len(body)-half))
	two = append(two, body[half:]...)
	sni, n, err := peekClientHello(bufio.NewReaderSize(bytes.NewReader(two), maxClientHello+5))
	if err != nil || sni != "split.example" || n != len(two) {
		t.Fatalf("split: %q %d %v", sni, n, err)
	}
	// No SNI (IP literal servers get none).
	sni, _, err = peekClientHello(bufio.NewReaderSize(bytes.NewReader(clientHello(t, "", tls.VersionTLS13)), maxClientHello+5))
	if err != nil || sni != "" {
		t.Fatalf("no sni: %q %v", sni, err)
	}
	// Not TLS.
	_, _, err = peekClientHello(bufio.NewReaderSize(strings.NewReader("SSH-2.0-OpenSSH_9.2\r\n"), maxClientHello+5))
	if !errors.Is(err, errNotTLS) {
		t.Fatalf("ssh banner: %v", err)
	}
}

// FuzzPeekClientHello: for any bytes the peek never panics, never consumes
// input, never reads past maxClientHello, and any SNI it returns is a
// lower-case DNS name that occurs in the input.
func FuzzPeekClientHello(f *testing.F) {
	f.Add(clientHello(f, "www.example.com", tls.VersionTLS13))
	f.Add(clientHello(f, "a.b", tls.VersionTLS12))
	f.Add(clientHello(f, "", tls.VersionTLS13))
	f.Add([]byte{0x16, 3, 1, 0, 4, 1, 0, 0, 0})
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(data), maxClientHello+5)
		sni, n, err := peekClientHello(br)
		if n > maxClientHello || n > len(data) {
			t.Fatalf("peeked %d of %d", n, len(data))
		}
		if rest, _ := io.ReadAll(br); !bytes.Equal(rest, data) {
			t.Fatal("peek consumed input")
		}
		if err == nil && sni != "" {
			if sni != strings.ToLower(sni) || !bytes.Contains(bytes.ToLower(data), []byte(sni)) {
				t.Fatalf("sni %q not from the input", sni)
			}
			if _, verr := validSNI(sni); verr != nil {
				t.Fatalf("invalid sni %q returned", sni)
			}
		}
	})
}
