module github.com/drivemon/drivemon/pkg/events

go 1.26
