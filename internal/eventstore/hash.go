package eventstore

import (
	"crypto/sha256"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// Hash is the event hash of the tamper-evident chain, one definition for
// every adapter and for the verifier (internal/audit):
//
//	SHA-256(prev ‖ id, stream, version, type, data, metadata, recorded_at)
//
// with the fields joined by U+001F, id in its canonical text form, and
// recorded_at in microseconds since the Unix epoch. prev is the hash of the
// previous event of the same stream (empty for a stream's first event).
// data and metadata are the JSON exactly as the store hashes it (see
// RecordedEvent.HashedMetadata).
//
// Where the chain is computed differs per store; the formula does not:
//   - PostgreSQL: the trigger in
//     internal/db/migrations/00005_event_hash_chain.sql, over the canonical
//     jsonb text of data and metadata (this function gives the same bytes);
//   - KurrentDB: the adapter, inside the append's optimistic concurrency,
//     kept in each event's metadata;
//   - memory: the adapter, at append.
func Hash(prev []byte, id uuid.UUID, stream string, version int64, typ string, data, metadata []byte, recordedAt time.Time) []byte {
	const sep = '\x1f'
	h := sha256.New()
	h.Write(prev)
	buf := make([]byte, 0, 36+len(stream)+len(typ)+len(data)+len(metadata)+48)
	buf = append(buf, id.String()...)
	buf = append(buf, sep)
	buf = append(buf, stream...)
	buf = append(buf, sep)
	buf = strconv.AppendInt(buf, version, 10)
	buf = append(buf, sep)
	buf = append(buf, typ...)
	buf = append(buf, sep)
	buf = append(buf, data...)
	buf = append(buf, sep)
	buf = append(buf, metadata...)
	buf = append(buf, sep)
	buf = strconv.AppendInt(buf, recordedAt.UnixMicro(), 10)
	h.Write(buf)
	return h.Sum(nil)
}
