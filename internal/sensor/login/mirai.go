package login

// MiraiCredentials is the table of Mirai's telnet scanner (bot/scanner.c in
// the leaked source), decoded from its XOR-0x22 obfuscation. Two entries'
// comments in the source disagree with their bytes (Administrator's password
// decodes to "meinsm", one admin password to "4321"); the bytes are what the
// worm sends, the comments are what people copy into wordlists, so both are
// accepted. Variants (Satori/Okiru, Hajime, ...) reuse this list with small
// additions, a few of which are at the end. SSH bots aimed at the same
// devices use the same pairs.
func MiraiCredentials() []Credential {
	return []Credential{
		{"root", "xc3511"}, {"root", "vizxv"}, {"root", "admin"}, {"admin", "admin"},
		{"root", "888888"}, {"root", "xmhdipc"}, {"root", "default"}, {"root", "juantech"},
		{"root", "123456"}, {"root", "54321"}, {"support", "support"}, {"root", ""},
		{"admin", "password"}, {"root", "root"}, {"root", "12345"}, {"user", "user"},
		{"admin", ""}, {"root", "pass"}, {"admin", "admin1234"}, {"root", "1111"},
		{"admin", "smcadmin"}, {"admin", "1111"}, {"root", "666666"}, {"root", "password"},
		{"root", "1234"}, {"root", "klv123"}, {"Administrator", "meinsm"}, {"Administrator", "admin"},
		{"service", "service"}, {"supervisor", "supervisor"}, {"guest", "guest"}, {"guest", "12345"},
		{"admin1", "password"}, {"administrator", "1234"}, {"666666", "666666"}, {"888888", "888888"},
		{"ubnt", "ubnt"}, {"root", "klv1234"}, {"root", "Zte521"}, {"root", "hi3518"},
		{"root", "jvbzd"}, {"root", "anko"}, {"root", "zlxx."}, {"root", "7ujMko0vizxv"},
		{"root", "7ujMko0admin"}, {"root", "system"}, {"root", "ikwb"}, {"root", "dreambox"},
		{"root", "user"}, {"root", "realtek"}, {"root", "00000000"}, {"admin", "1111111"},
		{"admin", "1234"}, {"admin", "12345"}, {"admin", "54321"}, {"admin", "123456"},
		{"admin", "7ujMko0admin"}, {"admin", "4321"}, {"admin", "pass"}, {"admin", "meinsm"},
		{"tech", "tech"}, {"mother", "fucker"},
		// Common later additions (Satori, Okiru and other Mirai forks).
		{"root", "GM8182"}, {"root", "hunt5759"},
		{"default", "default"}, {"default", ""}, {"daemon", ""}, {"root", "t0talc0ntr0l4!"},
	}
}
