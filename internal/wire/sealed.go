package wire

// Sealed is AES-256-GCM ciphertext together with the id of the key that sealed it.
type Sealed struct {
	KeyID string `json:"kid"`
	Nonce []byte `json:"nonce"`
	Data  []byte `json:"data"`
}

// IsZero reports whether s holds no ciphertext.
func (s Sealed) IsZero() bool { return s.KeyID == "" && len(s.Nonce) == 0 && len(s.Data) == 0 }
