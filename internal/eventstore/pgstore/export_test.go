package pgstore

// Queued reports how many appends wait for a flusher and how many
// flushers run (for tests that line up a batch).
func (s *Store) Queued() (pending, inFlight int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.pending), s.inFlight
}
