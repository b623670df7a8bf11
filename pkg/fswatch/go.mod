module github.com/drivemon/drivemon/pkg/fswatch

go 1.26.0

require github.com/fsnotify/fsnotify v1.10.1

require golang.org/x/sys v0.49.0 // indirect
