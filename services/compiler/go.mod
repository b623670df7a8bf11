module github.com/drivemon/drivemon/services/compiler

go 1.26

require github.com/robfig/cron/v3 v3.0.1

replace github.com/drivemon/drivemon/internal/testinfra => ../../internal/testinfra

require github.com/drivemon/drivemon/internal/testinfra v0.0.0
