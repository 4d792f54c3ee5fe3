package web

import (
	"time"

	"github.com/gorilla/securecookie"

	"github.com/awareportal/portal/internal/auth"
)

// cookieCodec signs and encrypts the portal's cookies (securecookie). A
// value is written as JSON: every request decodes two cookies (the session
// and the anonymous id), and gob, securecookie's default, spent more time
// on them than the rest of the request but its one query. Cookies written
// by gob before still decode, until they expire.
type cookieCodec struct {
	current, gob *securecookie.SecureCookie
}

func newCookieCodec(hashKey, blockKey []byte) cookieCodec {
	maxAge := int(auth.AbsoluteTimeout / time.Second)
	current := securecookie.New(hashKey, blockKey).SetSerializer(securecookie.JSONEncoder{})
	current.MaxAge(maxAge)
	gob := securecookie.New(hashKey, blockKey)
	gob.MaxAge(maxAge)
	return cookieCodec{current: current, gob: gob}
}

// Encode signs and encrypts value for the cookie name.
func (c cookieCodec) Encode(name, value string) (string, error) {
	return c.current.Encode(name, value)
}

// Decode checks and opens a cookie named name into dst.
func (c cookieCodec) Decode(name, raw string, dst *string) error {
	return securecookie.DecodeMulti(name, raw, dst, c.current, c.gob)
}
