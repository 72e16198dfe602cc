package ssh

import (
	"slices"

	xssh "golang.org/x/crypto/ssh"
)

// What the server offers in its KEXINIT: the algorithm lists of the Dropbear
// the default ServerVersion names (dropbear_2014.63), in Dropbear's order, so
// that a scanner's HASSHServer fingerprint (the MD5 of
// "kex;ciphers;macs;compression", server to client) points at an old
// embedded Dropbear and not at golang.org/x/crypto/ssh.
//
// The lists were read off Dropbear's common-algo.c (sshkex, sshciphers,
// sshhashes) with the options.h defaults of the 2013.62-2014.66 releases,
// cross-checked against ssh-audit's algorithm database (the release each
// name appeared in and left the defaults):
//   - kex: curve25519 and the NIST ECDH curves since 2013.62, group14 and
//     group1, and the kexguess2 marker (2013.57) last;
//   - ciphers: the CTR modes, then CBC; twofish is on by default until
//     2014.66, blowfish off;
//   - MACs: sha1-96, sha1, sha2-256, sha2-512 (2013.56) and md5.
//   - compression: "none", a build configured with --disable-zlib, as the
//     firmware builds of such devices are to save flash (a zlib build
//     offers "zlib@openssh.com,none").
//
// x/crypto cannot send these lists exactly; what it cannot do is left out
// (offeredBy below) and the differences are fixed by the library:
//   - kexguess2@matt.ucc.asn.au, 3des-ctr, aes256-cbc, twofish256-cbc,
//     twofish-cbc, twofish128-cbc and hmac-md5 are not implemented, so they
//     are not offered (a name offered must work if the client picks it);
//   - x/crypto appends kex-strict-s-v00@openssh.com (the 2023 Terrapin fix)
//     to the first KEXINIT, and answers a client's ext-info-c with an
//     EXT_INFO message after NEWKEYS; Dropbear 2014 did neither;
//   - compression is always "none" (matches the --disable-zlib build).
//
// Beyond the lists, what a scanner sees cheaply and x/crypto decides:
//   - Dropbear sends its KEXINIT right after its identification, before it
//     reads the client's; x/crypto sends it only once it has read the
//     client's line (its exchange hash needs it first), so a banner grab
//     that sends nothing reads the line alone;
//   - the methods that can continue are "password,publickey" (x/crypto's
//     order; Dropbear says "publickey,password"); keyboard-interactive,
//     which Dropbear's server lacks, is offered by default because bots
//     and sshpass log in with it (issue 7 asks for it), and
//     keyboard_interactive: false leaves Dropbear's two names (session.go);
//   - a failed password is answered after Dropbear's 300 ms pause
//     (auth.go); after the login policy's last attempt the connection is
//     closed without a disconnect message, as Dropbear's "Max auth tries
//     reached" exit (Dropbear allows 10; the policy is telnet's);
//   - an identification other than SSH-2.x or SSH-1.99 ends the
//     connection at once, as Dropbear's "Incompatible remote version"
//     (sniff.go), where x/crypto would carry on.
//
// So the HASSHServer differs from a real dropbear_2014.63's; what is left is
// as close as x/crypto allows, and kex_test.go checks both against these
// lists. Matching exactly would need a transport of our own.
var (
	dropbear2014Kex = []string{
		"curve25519-sha256@libssh.org",
		"ecdh-sha2-nistp521",
		"ecdh-sha2-nistp384",
		"ecdh-sha2-nistp256",
		"diffie-hellman-group14-sha1",
		"diffie-hellman-group1-sha1",
		"kexguess2@matt.ucc.asn.au",
	}
	dropbear2014Ciphers = []string{
		"aes128-ctr", "3des-ctr", "aes256-ctr",
		"aes128-cbc", "3des-cbc", "aes256-cbc",
		"twofish256-cbc", "twofish-cbc", "twofish128-cbc",
	}
	dropbear2014MACs = []string{
		"hmac-sha1-96", "hmac-sha1", "hmac-sha2-256", "hmac-sha2-512", "hmac-md5",
	}
	dropbear2014Compression = []string{"none"}
	// dropbear2014HostKeys: the keys hostkey.go makes, in Dropbear's order.
	dropbear2014HostKeys = []string{"ssh-rsa", "ssh-dss"}
)

// The lists handed to x/crypto: Dropbear's, less what x/crypto lacks.
var (
	serverKex     = offeredBy(dropbear2014Kex, xssh.SupportedAlgorithms().KeyExchanges, xssh.InsecureAlgorithms().KeyExchanges)
	serverCiphers = offeredBy(dropbear2014Ciphers, xssh.SupportedAlgorithms().Ciphers, xssh.InsecureAlgorithms().Ciphers)
	serverMACs    = offeredBy(dropbear2014MACs, xssh.SupportedAlgorithms().MACs, xssh.InsecureAlgorithms().MACs)
)

// xcryptoAliases are names x/crypto implements but does not list in
// SupportedAlgorithms: the pre-RFC name of curve25519 key exchange, which
// it accepts in Config.KeyExchanges as the same method as the RFC 8731 name.
var xcryptoAliases = map[string]string{
	"curve25519-sha256@libssh.org": xssh.KeyExchangeCurve25519,
}

// offeredBy keeps the names of want, in want's order, that one of the
// implemented lists has.
func offeredBy(want []string, implemented ...[]string) []string {
	var out []string
	for _, name := range want {
		lookup := name
		if a, ok := xcryptoAliases[name]; ok {
			lookup = a
		}
		for _, impl := range implemented {
			if slices.Contains(impl, lookup) {
				out = append(out, name)
				break
			}
		}
	}
	return out
}
