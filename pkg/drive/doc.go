// Package drive reads bot packages where they are stored: a local folder of
// <bot>.gbai folders (Dir) or S3-compatible object storage (S3), either one
// bucket per bot (<bot>.gbai) or one bucket with <bot>.gbai/ prefixes.
//
// Consumers read a file's content through Reader when they process a change
// and record the ETag of the content they actually read (Object.ETag), never
// the ETag the change event announced: the file may have changed again in
// between, and the next change event will say so.
//
// Every path goes through events.CleanPath; a Dir never follows a symbolic
// link out of the package.
package drive
