package sqlite

// Domains is the order in which Open migrates the domains, for the
// external tests.
var Domains = domains
