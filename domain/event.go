// Package domain holds the portal's events, aggregates and rules. Nothing
// here does I/O: commands are functions from state and input to events.
package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// Event is a domain event: a plain struct with a stable name that never
// changes once events of that type are stored (add a new name instead).
type Event interface {
	EventName() string
}

// ErrUnknownEvent is returned when decoding an event type the codec does not know.
var ErrUnknownEvent = errors.New("unknown event type")

// Codec encodes and decodes events by their stable names.
type Codec struct {
	types map[string]reflect.Type
}

// NewCodec returns a codec for the given event prototypes (zero values).
func NewCodec(prototypes ...Event) (*Codec, error) {
	c := &Codec{types: make(map[string]reflect.Type, len(prototypes))}
	for _, p := range prototypes {
		t := reflect.TypeOf(p)
		if t.Kind() == reflect.Pointer {
			return nil, fmt.Errorf("codec: register %s as a value, not a pointer", t)
		}
		name := p.EventName()
		if prev, dup := c.types[name]; dup && prev != t {
			return nil, fmt.Errorf("codec: event name %q used by %s and %s", name, prev, t)
		}
		c.types[name] = t
	}
	return c, nil
}

// Encode returns the event's name and JSON payload.
func (c *Codec) Encode(e Event) (string, []byte, error) {
	name := e.EventName()
	if _, ok := c.types[name]; !ok {
		return "", nil, fmt.Errorf("encode %s: %w", name, ErrUnknownEvent)
	}
	data, err := json.Marshal(e)
	if err != nil {
		return "", nil, fmt.Errorf("encode %s: %w", name, err)
	}
	return name, data, nil
}

// Decode turns a stored payload back into its event value.
func (c *Codec) Decode(name string, data []byte) (Event, error) {
	t, ok := c.types[name]
	if !ok {
		return nil, fmt.Errorf("decode %s: %w", name, ErrUnknownEvent)
	}
	v := reflect.New(t)
	if err := json.Unmarshal(data, v.Interface()); err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
	}
	return v.Elem().Interface().(Event), nil
}

// Knows reports whether the codec knows an event name.
func (c *Codec) Knows(name string) bool {
	_, ok := c.types[name]
	return ok
}
