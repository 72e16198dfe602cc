package gateway

// Hit is what matched, copied into the block event and the block page. It
// mirrors intel.Hit field for field (see /work/notes/intel-api.md) until the
// intel package lands, when it becomes an alias.
type Hit struct {
	ID       int64  // indicator id in the intel store (0 for config-only rules)
	Type     string // domain, host, url, url-prefix, ip, cidr, sha256
	Value    string // the indicator as stored (canonical)
	Category string // malware, malware-download, exploit-kit, phishing, scam, miner, c2, ...
	Source   string // honeypot, crawl, a feed's name, manual
}
