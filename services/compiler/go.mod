module github.com/drivemon/drivemon/services/compiler

go 1.26
