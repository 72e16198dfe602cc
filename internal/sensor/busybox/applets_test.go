package busybox

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// appletCases pins what each listed applet answers for the forms bots
// use, as BusyBox 1.20 answers them. TestEveryAppletBehaves fails for an
// applet in the table without a case here, so that no listed name can
// answer with a silent nothing by accident. A want starting with "~" is a
// regular expression over the whole answer.
var appletCases = map[string][]struct{ line, want string }{
	"ash":       {{`ash -c 'echo $((6*7))'`, "42\n"}},
	"sh":        {{`cd /tmp; printf '#!/bin/sh\necho hi $1\n' > a.sh; chmod +x a.sh; ./a.sh x`, "hi x\n"}, {`printf '#!/bin/bash\necho hi\n' > /tmp/b; chmod +x /tmp/b; /tmp/b`, "sh: /tmp/b: not found\n"}, {`sh -c "echo a; exit 3"; echo $?`, "a\n3\n"}, {`echo 'echo in $1' > /tmp/s; sh /tmp/s x`, "in x\n"}, {`sh /nope`, "sh: can't open '/nope'\n"}},
	"base64":    {{`echo hi | base64`, "aGkK\n"}, {`echo aGkK | base64 -d`, "hi\n"}},
	"egrep":     {{`echo abc | egrep 'a|z'`, "abc\n"}},
	"fgrep":     {{`fgrep XDVR /mnt/mtd/dep2.sh`, "# XDVR application start-up\n"}, {`echo 'a.c' | fgrep .`, "a.c\n"}},
	"gzip":      {{`cd /tmp; echo hi > g; gzip g; ls g*`, "g.gz\n"}, {`gzip -d /tmp/g.gz; cat /tmp/g`, "hi\n"}, {`gzip`, "gzip: compressed data not written to a terminal. Use -f to force compression.\n"}},
	"gunzip":    {{`cd /tmp; echo hi > u; gzip u; gunzip u.gz; cat u`, "hi\n"}, {`gunzip /etc/passwd`, "gunzip: invalid magic\n"}},
	"zcat":      {{`cd /tmp; echo zz > z; gzip z; zcat z.gz`, "zz\n"}},
	"more":      {{`more /etc/hostname`, "LocalHost\n"}},
	"passwd":    {{`passwd`, "Changing password for root\nNew password: "}},
	"su":        {{`su -c id`, "uid=0(root) gid=0(root) groups=0(root)\n"}, {`su bob`, "su: unknown user bob\n"}},
	"tar":       {{`cd /tmp; echo t > f1; tar cf a.tar f1; rm f1; tar xvf a.tar; cat f1`, "f1\nt\n"}, {`tar xf /etc/passwd`, "tar: invalid tar magic\n"}},
	"busybox":   {{`busybox ECCHI`, "ECCHI: applet not found\n"}, {`busybox echo ok`, "ok\n"}},
	"cat":       {{`cat /etc/hostname`, "LocalHost\n"}, {`echo Hi | cat -n`, "     1\tHi\n"}},
	"chmod":     {{`cd /tmp; touch c; chmod 777 c; ls -l c`, "-rwxrwxrwx    1 root     root            0 Jan  1 00:00 c\n"}},
	"cp":        {{`cp /bin/echo /tmp/e; ls /tmp/e`, "/tmp/e\n"}},
	"date":      {{`date`, `~^\w{3} \w{3} [ 0-9]\d \d\d:\d\d:\d\d UTC \d{4}\n$`}},
	"dd":        {{`dd if=/bin/busybox bs=4 count=1 2>/dev/null`, "\x7fELF"}},
	"df":        {{`df | head -n 2`, "Filesystem           1K-blocks      Used Available Use% Mounted on\n/dev/root                 6400      6400         0 100% /\n"}, {`df -h | head -n 2 | tail -n 1`, "/dev/root                 6.2M      6.2M         0 100% /\n"}},
	"dmesg":     {{`dmesg | head -n 1`, "~^Linux version 3\\.0\\.8 "}},
	"echo":      {{`echo -ne '\x6b\x61\x6d\x69'`, "kami"}},
	"false":     {{`false; echo $?`, "1\n"}},
	"grep":      {{`grep -c root /etc/passwd`, "1\n"}},
	"hostname":  {{`hostname`, "LocalHost\n"}},
	"kill":      {{`kill 9999`, "sh: can't kill pid 9999: No such process\n"}},
	"ln":        {{`ln -s /bin/busybox /tmp/l; ls -l /tmp/l`, "lrwxrwxrwx    1 root     root           12 Jan  1 00:00 /tmp/l -> /bin/busybox\n"}, {`ln`, "~Usage: ln "}},
	"ls":        {{`ls /mnt/mtd`, "Config  Log  dep2.sh\n"}, {`ls / | wc -l`, "13\n"}},
	"mkdir":     {{`mkdir /tmp/d && ls -d /tmp/d`, "/tmp/d\n"}},
	"mount":     {{`mount | head -n 1`, "rootfs / rootfs ro 0 0\n"}, {`mount -o remount,rw /`, "mount: mounting /dev/root on / failed: Invalid argument\n"}},
	"mv":        {{`cd /tmp; touch m1; mv m1 m2; ls m*`, "m2\n"}},
	"netstat":   {{`netstat -an | grep -c LISTEN`, "3\n"}},
	"ping":      {{`ping`, "~Usage: ping \\[OPTIONS\\] HOST"}, {`ping -c 1 8.8.8.8`, "ping: sendto: Network is unreachable\n"}},
	"ps":        {{`ps | head -n 2`, "  PID USER       VSZ STAT COMMAND\n    1 root      1496 S    init\n"}},
	"pwd":       {{`cd /tmp; pwd`, "/tmp\n"}},
	"rm":        {{`cd /tmp; touch r; rm r; ls r`, "ls: r: No such file or directory\n"}},
	"rmdir":     {{`mkdir /tmp/rd; rmdir /tmp/rd; ls -d /tmp/rd`, "ls: /tmp/rd: No such file or directory\n"}},
	"sed":       {{`echo abc | sed s/a/b/`, "bbc\n"}, {`echo aaa | sed 's/a/x/g'`, "xxx\n"}, {`sed -n '/root/p' /etc/passwd`, "root:x:0:0:root:/:/bin/sh\n"}, {`echo abc | sed -e 's/\(b\)/[\1]/'`, "a[b]c\n"}},
	"sleep":     {{`sleep 0; echo $?`, "0\n"}},
	"sync":      {{`sync; echo $?`, "0\n"}},
	"touch":     {{`touch /tmp/t && ls /tmp/t`, "/tmp/t\n"}},
	"true":      {{`true && echo y`, "y\n"}},
	"umount":    {{`umount /mnt/mtd`, "umount: can't umount /mnt/mtd: Device or resource busy\n"}},
	"uname":     {{`uname -m`, "armv5tejl\n"}},
	"halt":      {{`halt; echo $?`, "0\n"}},
	"ifconfig":  {{`ifconfig | head -n 1`, "~^eth0      Link encap:Ethernet  HWaddr 00:12:12:[0-9A-F:]{8}  \n$"}},
	"init":      {{`init`, "init: must be run as PID 1\n"}},
	"insmod":    {{`insmod`, "~Usage: insmod "}, {`insmod /tmp/x.ko`, "insmod: can't read '/tmp/x.ko': No such file or directory\n"}},
	"lsmod":     {{`lsmod | head -n 1`, "Module                  Size  Used by    Tainted: P\n"}},
	"poweroff":  {{`poweroff; echo $?`, "0\n"}},
	"reboot":    {{`reboot; echo $?`, "0\n"}},
	"rmmod":     {{`rmmod`, "~Usage: rmmod "}},
	"route":     {{`route -n | head -n 1`, "Kernel IP routing table\n"}, {`route | grep -c default`, "1\n"}},
	"arp":       {{`arp -a | grep -c ether`, "1\n"}},
	"syslogd":   {{`syslogd; echo $?`, "0\n"}},
	"[":         {{`[ -d /tmp ] && echo d`, "d\n"}},
	"[[":        {{`[[ -f /etc/passwd ]] && echo f`, "f\n"}},
	"awk":       {{`free -m | grep Mem | awk '{print $2}'`, "58\n"}, {`awk -F: '$3==0 {print $1}' /etc/passwd`, "root\n"}, {`echo 1 2 | awk '{s+=$1+$2} END {print s}'`, "3\n"}, {`df | awk 'FNR == 2 {print $2;}'`, "6400\n"}},
	"cut":       {{`echo a:b:c | cut -d: -f2`, "b\n"}, {`echo abcdef | cut -c2-4`, "bcd\n"}},
	"env":       {{`env | grep -c PATH`, "1\n"}},
	"free":      {{`free | head -n 1`, "             total         used         free       shared      buffers\n"}},
	"ftpget":    {{`cd /tmp; ftpget 192.0.2.1 f f; ls f`, "f\n"}},
	"ftpput":    {{`ftpput`, "~Usage: ftpput "}, {`ftpput 192.0.2.1 /etc/passwd; echo $?`, "0\n"}},
	"head":      {{`head -n 1 /etc/passwd`, "root:x:0:0:root:/:/bin/sh\n"}},
	"hexdump":   {{`echo hello | hexdump -C`, "00000000  68 65 6c 6c 6f 0a                                 |hello.|\n00000006\n"}},
	"id":        {{`id`, "uid=0(root) gid=0(root) groups=0(root)\n"}, {`id -u; id -un`, "0\nroot\n"}},
	"killall":   {{`killall nothere`, "killall: nothere: no process killed\n"}},
	"nc":        {{`nc`, "~Usage: nc "}},
	"nohup":     {{`/usr/bin/nohup echo x`, "x\n"}},
	"nproc":     {{`nproc`, "1\n"}},
	"od":        {{`echo hello | od -c`, "0000000   h   e   l   l   o  \\n\n0000006\n"}},
	"pgrep":     {{`pgrep telnetd`, "540\n"}},
	"pkill":     {{`pkill nothere; echo $?`, "1\n"}},
	"expr":      {{`expr 1 + 2 \* 3`, "7\n"}, {`expr length abc`, "3\n"}, {`expr 5 / 0`, "expr: division by zero\n"}},
	"md5sum":    {{`echo -n abc | md5sum`, "900150983cd24fb0d6963f7d28e17f72  -\n"}, {`md5sum /nonexist`, "md5sum: can't open '/nonexist': No such file or directory\n"}},
	"sha1sum":   {{`echo -n abc | sha1sum`, "a9993e364706816aba3e25717850c26c9cd0d89d  -\n"}},
	"sha256sum": {{`echo -n abc | sha256sum`, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n"}},
	"pidof":     {{`pidof telnetd`, "540\n"}, {`pidof nothere; echo $?`, "1\n"}},
	"basename":  {{`basename /a/b.sh .sh`, "b\n"}},
	"dirname":   {{`dirname /a/b/c`, "/a/b\n"}},
	"sort":      {{`printf '10\n9\n' | sort -n`, "9\n10\n"}},
	"uniq":      {{`printf 'a\na\nb\n' | uniq -c`, "      2 a\n      1 b\n"}},
	"xargs":     {{`ps | grep Sofia | awk '{print $1}' | xargs kill -9; echo $?`, "0\n"}, {`echo 1 2 | xargs echo x`, "x 1 2\n"}},
	"chown":     {{`chown root:root /tmp; echo $?`, "0\n"}, {`chown root /nope`, "chown: /nope: No such file or directory\n"}},
	"seq":       {{`for i in $(seq 1 3); do echo $i; done`, "1\n2\n3\n"}, {`seq 2 2 7`, "2\n4\n6\n"}},
	"printf":    {{`/bin/busybox printf '%s-%d\n' a 7`, "a-7\n"}, {`/usr/bin/printf x`, "x"}},
	"crontab":   {{`crontab -l`, "crontab: can't open 'root': No such file or directory\n"}, {`echo '* * * * * x' | crontab -; crontab -l`, "* * * * * x\n"}},
	"find":      {{`find /mnt -name '*.sh'`, "/mnt/mtd/dep2.sh\n"}, {`find /nope`, "find: /nope: No such file or directory\n"}},
	"last":      {{`last`, "USER       TTY            HOST               LOGIN        TIME\n"}},
	"w":         {{`w`, "USER\t\tTTY\t\tIDLE\tTIME\t\t HOST\n"}},
	"who":       {{`who; echo $?`, "0\n"}},
	"tail":      {{`tail -n 1 /etc/group`, "nobody:x:99:\n"}},
	"tee":       {{`echo hi | tee /tmp/t1 /tmp/t2; cat /tmp/t1 /tmp/t2`, "hi\nhi\nhi\n"}, {`echo a | tee -a /tmp/t3 >/dev/null; echo b | tee -a /tmp/t3 >/dev/null; cat /tmp/t3`, "a\nb\n"}},
	"telnet":    {{`telnet 192.0.2.1`, "telnet: can't connect to remote host (192.0.2.1): Connection refused\n"}},
	"test":      {{`test -e /nope || echo no`, "no\n"}},
	"tftp":      {{`tftp`, "~Usage: tftp "}},
	"top":       {{`top -bn1 | head -n 1`, "~^Mem: \\d+K used, \\d+K free"}},
	"tr":        {{`echo abc | tr a-z A-Z`, "ABC\n"}, {`echo a-b | tr -d -`, "ab\n"}},
	"uptime":    {{`uptime`, "~^ \\d\\d:\\d\\d:\\d\\d up (\\d+ days?, )?( ?\\d+:\\d\\d|\\d+ min),  load average: 0\\.31, 0\\.22, 0\\.19\n$"}, {`cat /proc/uptime`, "~^\\d+\\.\\d\\d \\d+\\.\\d\\d\n$"}},
	"wc":        {{`wc -l /etc/passwd`, "4 /etc/passwd\n"}},
	"wget":      {{`wget`, "~Usage: wget "}},
	"which":     {{`which wget`, "/usr/bin/wget\n"}},
	"whoami":    {{`whoami`, "root\n"}},
	"yes":       {{`yes | head -n 2`, "y\ny\n"}},
	"crond":     {{`crond; echo $?`, "0\n"}},
	"adduser":   {{`adduser`, "~Usage: adduser "}, {`adduser bob`, "adduser: can't open '/etc/passwd': Read-only file system\n"}},
	"telnetd":   {{`telnetd; echo $?`, "0\n"}},
}

func TestEveryAppletBehaves(t *testing.T) {
	d := newTestDevice(t, DefaultProfile(), Limits{})
	names := make([]string, 0, len(appletTable))
	for name := range appletTable {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		cases := appletCases[name]
		if len(cases) == 0 {
			t.Errorf("applet %s is listed without a case in appletCases", name)
			continue
		}
		sh := d.NewShell(context.Background())
		for _, tc := range cases {
			got := string(sh.Run(tc.line).Output)
			if re, ok := strings.CutPrefix(tc.want, "~"); ok {
				if !regexp.MustCompile(re).MatchString(got) {
					t.Errorf("%s: %s\n got %q\nwant match %q", name, tc.line, got, re)
				}
				continue
			}
			if got != tc.want {
				t.Errorf("%s: %s\n got %q\nwant %q", name, tc.line, got, tc.want)
			}
		}
		sh.Close()
	}
	for name := range appletCases {
		if _, ok := appletTable[name]; !ok {
			t.Errorf("case for %s, which is not an applet", name)
		}
	}
}
