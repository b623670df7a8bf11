module github.com/drivemon/drivemon/services/indexer

go 1.26
