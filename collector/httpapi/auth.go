package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/covmon/covmon/geo"
)

var errUnauthorized = errors.New("httpapi: unauthorized")

// authenticate returns the valid token the request carries, or errUnauthorized. Tokens are
// minted in geo (geo.NewTokenSecret, geo.FormatToken); the API only verifies them.
func (s *Server) authenticate(ctx context.Context, r *http.Request) (*geo.Token, error) {
	h := r.Header.Get("Authorization")
	raw, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil, errUnauthorized
	}
	id, secret, ok := geo.ParseToken(strings.TrimSpace(raw))
	if !ok {
		return nil, errUnauthorized
	}
	t, err := s.Store.Token(ctx, id)
	if errors.Is(err, geo.ErrNotFound) {
		return nil, errUnauthorized
	}
	if err != nil {
		return nil, err
	}
	// Verification: the secret's SHA-256 against the stored hash, in constant time.
	sum := sha256.Sum256([]byte(secret))
	want, err := hex.DecodeString(t.SecretHash)
	if err != nil || subtle.ConstantTimeCompare(sum[:], want) != 1 || !t.RevokedAt.IsZero() {
		return nil, errUnauthorized
	}
	// The last use is kept to the minute: at most one write a minute per token.
	if now := s.now(); now.Sub(t.LastUsedAt) >= time.Minute {
		if err := s.Store.TouchToken(ctx, t.ID, now); err != nil {
			s.logger().Warn("api: could not record the token's last use", "token", t.ID, "err", err)
		}
	}
	return t, nil
}

// requireToken authenticates r or answers it (401, or 500 when the store failed) and returns
// nil.
func (s *Server) requireToken(w http.ResponseWriter, r *http.Request) *geo.Token {
	t, err := s.authenticate(r.Context(), r)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("authenticate: %w", err))
		return nil
	}
	return t
}
