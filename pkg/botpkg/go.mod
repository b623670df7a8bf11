module github.com/drivemon/drivemon/pkg/botpkg

go 1.26.0
