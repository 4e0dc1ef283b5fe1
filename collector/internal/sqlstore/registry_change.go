package sqlstore

import "sync"

// LastAcceptedVillagesUpload reads the newest accepted villages upload (0 for none): the key
// of RegistryChange. The same SQL in both stores.
const LastAcceptedVillagesUpload = `SELECT coalesce(max(id), 0) FROM uploads WHERE kind = 'villages' AND result = 'accepted'`

// RegistryChange caches the registry's last change: the latest valid_from, retired_at or
// version valid_to (unix ms, 0 for none). Every change to the registry is an accepted villages
// upload, committed with its villages in one transaction (as KnownVillages relies on), so the
// value is read again only when the newest such upload is another than when it was read.
type RegistryChange struct {
	mu     sync.Mutex
	key    int64 // the newest accepted villages upload when read
	change int64
	read   bool
}

// Last returns the registry's last change: readKey reads LastAcceptedVillagesUpload and
// readChange the change itself (a whole read of villages, each store in its dialect), both in
// the caller's transaction. readChange runs outside the lock: two callers may both read it,
// and both store the same value for the same key.
func (c *RegistryChange) Last(readKey, readChange func() (int64, error)) (int64, error) {
	key, err := readKey()
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	if c.read && c.key == key {
		defer c.mu.Unlock()
		return c.change, nil
	}
	c.mu.Unlock()
	change, err := readChange()
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	c.key, c.change, c.read = key, change, true
	c.mu.Unlock()
	return change, nil
}

// Forget makes the next Last read the change again (tests that edit villages by SQL).
func (c *RegistryChange) Forget() {
	c.mu.Lock()
	c.read = false
	c.mu.Unlock()
}
