module github.com/drivemon/drivemon/test/deps

go 1.26.0
