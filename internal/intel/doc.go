// Package intel holds what the gateway enforces: indicators (domains, hosts,
// URLs, URL prefixes, IPs, CIDRs, SHA-256 file hashes) with their category,
// source and lifetime; Google Safe Browsing URL canonicalization; the
// immutable matcher Snapshot that enforcement points query with no lock; feed
// parsers (in) and writers (out); and the Store interface that adapters
// implement.
//
// It is not an enforcement point (the proxy and DNS filter live in
// internal/gateway), and it never fetches a URL it is asked to match: URLs are
// data here.
package intel
