module github.com/drivemon/drivemon/cmd/drivemon

go 1.26
