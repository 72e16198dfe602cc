package smb

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"strings"

	//lint:ignore SA1019 NTLM hashes are MD4 by definition: checking a recorded response needs it
	"golang.org/x/crypto/md4"
)

// verifyNetNTLMv2 checks a hashcat 5600 line against a password, as a
// cracker would (MS-NLMP 3.3.2): NTProofStr = HMAC-MD5(NTOWFv2,
// challenge || blob), NTOWFv2 = HMAC-MD5(MD4(UTF-16(password)),
// UTF-16(upper(user) || domain)).
func verifyNetNTLMv2(line, password string) error {
	f := strings.Split(line, ":")
	if len(f) != 6 || f[1] != "" {
		return errors.New("not user::domain:challenge:proof:blob")
	}
	user, domain := f[0], f[2]
	chal, err1 := hex.DecodeString(f[3])
	proof, err2 := hex.DecodeString(f[4])
	blob, err3 := hex.DecodeString(f[5])
	if err := errors.Join(err1, err2, err3); err != nil {
		return err
	}
	h := md4.New()
	h.Write(encodeUTF16(password))
	m := hmac.New(md5.New, h.Sum(nil))
	m.Write(encodeUTF16(strings.ToUpper(user) + domain))
	owf := m.Sum(nil)
	m = hmac.New(md5.New, owf)
	m.Write(chal)
	m.Write(blob)
	if !bytes.Equal(m.Sum(nil), proof) {
		return errors.New("NTProofStr does not match the password")
	}
	return nil
}
