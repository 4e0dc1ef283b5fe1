package geo

import "testing"

func TestToken_FormatParseRoundTrip(t *testing.T) {
	secret, hash, err := NewTokenSecret()
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != 43 || len(hash) != 64 || hash != HashTokenSecret(secret) {
		t.Fatalf("secret %q (len %d), hash %q", secret, len(secret), hash)
	}
	other, _, _ := NewTokenSecret()
	if other == secret {
		t.Fatal("two secrets are equal")
	}
	raw := FormatToken(42, "ab_c-d")
	if raw != "cvm_42_ab_c-d" {
		t.Fatalf("FormatToken = %q", raw)
	}
	id, got, ok := ParseToken(raw)
	if !ok || id != 42 || got != "ab_c-d" {
		t.Fatalf("ParseToken(%q) = %d, %q, %v", raw, id, got, ok)
	}
}

func TestParseToken_Refuses(t *testing.T) {
	for _, s := range []string{"", "cvm_", "cvm_42", "cvm_42_", "cvx_42_s", "cvm_x_s", "cvm_-1_s", "cvm_0_s", "Bearer cvm_1_s"} {
		if id, secret, ok := ParseToken(s); ok {
			t.Errorf("ParseToken(%q) = %d, %q, true; want refused", s, id, secret)
		}
	}
}

func TestHashTokenSecret_KnownValue(t *testing.T) {
	// sha256("abc")
	if got := HashTokenSecret("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("HashTokenSecret(abc) = %s", got)
	}
}
