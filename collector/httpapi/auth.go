package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/covmon/covmon/geo"
)

// Tokens look like "cvm_<id>_<secret>": the ID finds the stored row, and the secret's SHA-256
// is compared with the stored hash in constant time. Only the hash is stored.
const tokenPrefix = "cvm_"

// NewTokenSecret returns a fresh random secret and its SHA-256 (hex) for storage.
func NewTokenSecret() (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("random token: %w", err)
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(secret))
	return secret, hex.EncodeToString(sum[:]), nil
}

// FormatToken returns the bearer token a client sends for stored token id and its secret.
func FormatToken(id int64, secret string) string {
	return tokenPrefix + strconv.FormatInt(id, 10) + "_" + secret
}

var errUnauthorized = errors.New("httpapi: unauthorized")

// authenticate returns the valid token the request carries, or errUnauthorized.
func (s *Server) authenticate(ctx context.Context, r *http.Request) (*geo.Token, error) {
	h := r.Header.Get("Authorization")
	raw, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil, errUnauthorized
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(raw), tokenPrefix)
	if !ok {
		return nil, errUnauthorized
	}
	idS, secret, ok := strings.Cut(rest, "_")
	if !ok {
		return nil, errUnauthorized
	}
	id, err := strconv.ParseInt(idS, 10, 64)
	if err != nil {
		return nil, errUnauthorized
	}
	t, err := s.Store.Token(ctx, id)
	if errors.Is(err, geo.ErrNotFound) {
		return nil, errUnauthorized
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(secret))
	want, err := hex.DecodeString(t.SecretHash)
	if err != nil || subtle.ConstantTimeCompare(sum[:], want) != 1 || !t.RevokedAt.IsZero() {
		return nil, errUnauthorized
	}
	return t, nil
}

// requireToken authenticates r or writes a 401 and returns nil.
func (s *Server) requireToken(w http.ResponseWriter, r *http.Request) *geo.Token {
	t, err := s.authenticate(r.Context(), r)
	if err == nil {
		return t
	}
	if errors.Is(err, errUnauthorized) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="covmon"`)
		writeProblem(w, r, http.StatusUnauthorized, "unauthorized", "Unauthorized", "a valid bearer token is required (covmon token create)")
		return nil
	}
	s.internalError(w, r, "authenticate", err)
	return nil
}

func (s *Server) internalError(w http.ResponseWriter, r *http.Request, op string, err error) {
	s.logger().Error("api: internal error", "op", op, "path", r.URL.Path, "err", err)
	writeProblem(w, r, http.StatusInternalServerError, "internal", "Internal error", "the server failed; the error is logged")
}
