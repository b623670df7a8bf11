module github.com/drivemon/drivemon/services/detector

go 1.26
