package geo

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Roles an API token can have.
const (
	// RoleCarrier may upload files for its own carrier and read its own uploads.
	RoleCarrier = "carrier"
	// RoleMinistry may upload the village registry and read every upload.
	RoleMinistry = "ministry"
	// RoleInspector uploads independent measurements (drive tests, field inspections, crowd
	// measurements) of any carrier; never the registry or assignments.
	RoleInspector = "inspector"
)

// Token is an API credential. The secret itself is never stored: only its SHA-256.
type Token struct {
	ID   int64
	Name string
	Role string
	// Carrier is the carrier a RoleCarrier token speaks for (empty for the ministry).
	Carrier string
	// SecretHash is the lower-case hex SHA-256 of the secret part of the token.
	SecretHash string
	CreatedAt  time.Time
	// RevokedAt is zero while the token is valid.
	RevokedAt time.Time
	// LastUsedAt is when the token last authenticated a request, to the minute (zero: never).
	LastUsedAt time.Time
}

// A token as a client sends it is "cvm_<id>_<secret>": the ID finds the stored Token, and the
// secret's SHA-256 is compared with its SecretHash. The ID is the digits up to the first "_"
// after the prefix; the secret (32 random bytes in unpadded base64url, which may itself contain
// "_") is everything after it.
const tokenPrefix = "cvm_"

// NewTokenSecret returns a fresh random secret and the hash to store for it
// (HashTokenSecret(secret)).
func NewTokenSecret() (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("random token: %w", err)
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, HashTokenSecret(secret), nil
}

// HashTokenSecret returns the lower-case hex SHA-256 of secret, as stored in Token.SecretHash.
func HashTokenSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// FormatToken returns the bearer token a client sends for the stored token id and its secret.
func FormatToken(id int64, secret string) string {
	return tokenPrefix + strconv.FormatInt(id, 10) + "_" + secret
}

// ParseToken splits a bearer token made by FormatToken into its ID and secret; ok is false
// when s does not have that shape. It checks the shape only: whether the secret is right is
// for whoever holds the stored hash to verify.
func ParseToken(s string) (id int64, secret string, ok bool) {
	rest, ok := strings.CutPrefix(s, tokenPrefix)
	if !ok {
		return 0, "", false
	}
	idS, secret, ok := strings.Cut(rest, "_")
	if !ok || secret == "" {
		return 0, "", false
	}
	id, err := strconv.ParseInt(idS, 10, 64)
	if err != nil || id <= 0 {
		return 0, "", false
	}
	return id, secret, true
}
