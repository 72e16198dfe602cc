// Package busybox is the emulated BusyBox device that the IoT honeypots
// (telnet, ssh, iot-http) put behind their login: an ash parser and
// expander, the applets (one dispatch table: name, directory and
// behaviour), a copy-on-write filesystem per session over a shared base,
// ELF headers for the profile's CPU, and the recording of every URL a line
// asks the device to fetch.
//
// It is for answering what bots type as a real DVR or router would, well
// enough that they go on to the download step. It is not a sandbox for
// running code: nothing is ever executed on the host or fetched from the
// network. "Downloads" are recorded and leave a placeholder file, programs
// the attacker drops "run" quietly or fault by their ELF header, and every
// line is bounded in size, steps, bytes and time. A line cut by those
// bounds does not come back to the prompt, which no device would do: its
// command goes on "running" until ^C (Shell.Interrupt), as an endless loop
// would on a device, and Result.Limit names the bound (stall.go).
//
// Use: NewDevice once per sensor from a Profile and Limits, then
// Device.NewShell per session, Shell.Run per line, Shell.Close at the end.
// Protocols (telnet options, ssh channels, HTTP parameters) stay in their
// own packages.
package busybox
