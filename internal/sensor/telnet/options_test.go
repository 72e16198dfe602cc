package telnet

import (
	"bytes"
	"testing"
)

func TestOptionParser(t *testing.T) {
	var p optionParser
	in := []byte("a\r\x00b\r\nc\nd\xff\xffe\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0f\xff\xf1g\r")
	// Feed byte by byte: every split point must give the same result.
	var data []byte
	var cmds []telnetCmd
	for _, b := range in {
		data, cmds = p.feed([]byte{b}, data, cmds)
	}
	data, cmds = p.feed([]byte("\n"), data, cmds)
	if want := []byte("a\nb\nc\nd\xffefg\n"); !bytes.Equal(data, want) {
		t.Fatalf("data = %q, want %q", data, want)
	}
	if len(cmds) != 3 || cmds[0].verb != cmdWILL || cmds[0].opt != optNAWS || cmds[1].verb != cmdSB || cmds[2].verb != cmdNOP {
		t.Fatalf("cmds = %+v", cmds)
	}
	if w, h, ok := parseNAWS(cmds[1].data); !ok || w != 80 || h != 24 {
		t.Fatalf("NAWS = %d %d %v", w, h, ok)
	}
	// An oversized sub-negotiation is dropped whole, and the stream goes on.
	long := append([]byte{255, 250, 24}, bytes.Repeat([]byte{'x'}, 1000)...)
	long = append(long, 255, 240, 'z')
	data, cmds = p.feed(long, nil, nil)
	if string(data) != "z" || len(cmds) != 0 {
		t.Fatalf("after long SB: data %q cmds %+v", data, cmds)
	}
}
