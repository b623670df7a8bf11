module github.com/drivemon/drivemon/services/themer

go 1.26
