package app

// The table of parts: every component of honeygate, the roles that run it,
// and its stage. Adding a component is one package, one line here, and its
// build function in parts.go.
//
// Stages decide the stop order, and the order is what keeps every event:
//  1. producers (sensors, and later the crawler and the gateway) stop
//     first, so their last sessions end and publish their last events;
//  2. then the web server, which only reads;
//  3. then the consumers, once they have drained what the producers
//     published (bus -> store, bus -> JSON log, bus -> intel).
//
// Within a stage, parts are built in table order and run concurrently.
// The bus and the store are opened on first use by a part (see env), and
// closed after every part has stopped.
var parts = []part{
	// Consumers: bus -> store (acked after commit) and bus -> JSON log.
	{name: "store", stage: consumers, roles: roleServe | roleHub, build: buildStoreConsumer},
	{name: "jsonlog", stage: consumers, roles: roleServe | roleHub, build: buildJSONLogConsumer},
	// bus -> intel: honeypot downloads and crawl verdicts become indicators.
	{name: "intel", stage: consumers, roles: roleServe | roleHub, build: buildIntel},

	// The API and dashboard.
	{name: "web", stage: readers, roles: roleServe | roleHub, build: buildWeb},

	// Producers: the sessions a crash left open are closed first (in a
	// single-machine deployment the store knows this sensor's sessions),
	// then the sensors.
	{name: "crash-recovery", stage: producers, roles: roleServe, build: buildCrashRecovery},
	// The sensors.
	{name: "telnet", stage: producers, roles: roleServe | roleSensor, build: buildTelnet},
	{name: "reflect", stage: producers, roles: roleServe | roleSensor, build: buildReflectors},
	{name: "ssh", stage: producers, roles: roleServe | roleSensor, build: buildSSH},

	// Producers: the gateway's enforcement points (they publish blocks).
	{name: "proxy", stage: producers, roles: roleServe | roleGateway, build: buildProxy},
	{name: "dns", stage: producers, roles: roleServe | roleGateway, build: buildDNS},
	// The client honeypot's daily round over the watch list.
	{name: "crawler", stage: producers, roles: roleServe, build: buildCrawler},
	{name: "smb", stage: producers, roles: roleServe | roleSensor, build: buildSMB},
	{name: "iot-http", stage: producers, roles: roleServe | roleSensor, build: buildIoTHTTP},
}

// Roles: `serve` runs everything on one machine; `sensor`, `gateway` and
// `hub` are the subsets that run apart when honeygate scales out over a
// NATS cluster and PostgreSQL (their commands come with the scale-out work).
type role uint8

const (
	roleServe role = 1 << iota
	roleSensor
	roleGateway
	roleHub
)

// Role names as the command line spells them.
var roleNames = map[string]role{"serve": roleServe, "sensor": roleSensor, "gateway": roleGateway, "hub": roleHub}

type stage uint8

const (
	producers stage = iota
	readers
	consumers
	numStages
)

type part struct {
	name  string
	stage stage
	roles role
	// build constructs the part's components (none when its listeners are
	// off), listening included.
	build func(*env) ([]Component, error)
}
