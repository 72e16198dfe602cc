package telnet

import (
	"testing"

	"github.com/honeygate/honeygate/internal/event"
	"github.com/honeygate/honeygate/internal/sensor/shellrec"
)

// Mirai's echo loader on a device without wget: the payload arrives as
// hex-escaped echo lines and is run. The session records it as a
// file.upload with the hash of the bytes written (sha256sum of the same
// bytes: printf '\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x28\x00mirai' | sha256sum).
func TestEchoLoaderPayloadRecorded(t *testing.T) {
	h := start(t, DefaultConfig(), defaultLimits())
	h.login(t, "root", "xc3511")
	h.cl.cmd(`cd /tmp; /bin/busybox cp /bin/echo dvrHelper; >dvrHelper; /bin/busybox chmod 777 dvrHelper`)
	h.cl.cmd(`/bin/busybox echo -ne '\x7f\x45\x4c\x46\x01\x01\x01\x00\x00\x00\x00\x00' >> dvrHelper`)
	h.cl.cmd(`/bin/busybox echo -ne '\x00\x00\x00\x00\x02\x00\x28\x00\x6d\x69\x72\x61\x69' >> dvrHelper`)
	h.cl.cmd(`./dvrHelper telnet.echo`)
	h.finish(t)
	ups := h.pub.OfKind(event.FileUpload)
	if len(ups) != 1 {
		t.Fatalf("file.upload events %+v, want one", ups)
	}
	u := ups[0]
	const want = "417982612cd3a5dae1b968315ce3cd49b1bdff0fea75a74a09888ad61d2e5cfa"
	if string(u.Tool) != shellrec.DroppedTool || u.Filename != "/tmp/dvrHelper" || u.UploadSize != 25 || u.SHA256 != want || u.Proto != "telnet" {
		t.Errorf("file.upload %+v", u)
	}
}
