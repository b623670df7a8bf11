package events

import (
	"encoding/json"
	"fmt"
)

// DecodeData reads and checks a change from its JSON form.
func DecodeData(data []byte) (Change, error) {
	var c Change
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("%w: %w", ErrBadChange, err)
	}
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, nil
}

// DecodeOutcome reads an outcome from its JSON form.
func DecodeOutcome(data []byte) (Outcome, error) {
	var o Outcome
	if err := json.Unmarshal(data, &o); err != nil {
		return o, fmt.Errorf("decoding outcome: %w", err)
	}
	return o, o.Validate()
}
