module github.com/drivemon/drivemon/pkg/drive

go 1.26

require github.com/drivemon/drivemon/pkg/events v0.0.0

replace github.com/drivemon/drivemon/pkg/events => ../events
