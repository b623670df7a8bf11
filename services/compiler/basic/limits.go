package basic

// Limits bound the work the parser does on one file, so that hostile or
// broken input yields a diagnostic instead of a hang or a stack overflow.
type Limits struct {
	// MaxFileSize is the largest source accepted, in bytes.
	MaxFileSize int
	// MaxTokens is the largest number of tokens lexed from one file.
	MaxTokens int
	// MaxDepth is the deepest nesting of blocks and expressions.
	MaxDepth int
	// MaxErrors stops reporting after this many errors.
	MaxErrors int
}

// DefaultLimits are the limits used by Parse: 1 MiB, 250 000 tokens,
// 64 levels of nesting, 200 errors.
var DefaultLimits = Limits{MaxFileSize: 1 << 20, MaxTokens: 250_000, MaxDepth: 64, MaxErrors: 200}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultLimits.MaxFileSize
	}
	if l.MaxTokens <= 0 {
		l.MaxTokens = DefaultLimits.MaxTokens
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxErrors <= 0 {
		l.MaxErrors = DefaultLimits.MaxErrors
	}
	return l
}
