package geo

import "time"

// Roles an API token can have.
const (
	// RoleCarrier may upload files for its own carrier and read its own uploads.
	RoleCarrier = "carrier"
	// RoleMinistry may upload the village registry and read every upload.
	RoleMinistry = "ministry"
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
}
