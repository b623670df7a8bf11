module github.com/drivemon/drivemon/internal/testinfra

go 1.26
