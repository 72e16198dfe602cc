module github.com/honeygate/honeygate/bench/matcher

go 1.26.8

require (
	github.com/AdguardTeam/urlfilter v0.5.0
	github.com/honeygate/honeygate v0.0.0
)

require (
	github.com/AdguardTeam/golibs v0.1.3 // indirect
	github.com/asaskevich/govalidator v0.0.0-20180720115003-f9ffefc3facf // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/joomcode/errorx v0.8.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)

replace github.com/honeygate/honeygate => ../..
