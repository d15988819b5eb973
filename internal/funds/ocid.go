package funds

import "fmt"

// DefaultOCIDPrefix is the contracts' OCID prefix until the installation
// registers its own with the Open Contracting Partnership.
const DefaultOCIDPrefix = "ocds-escudo"

// CheckOCIDPrefix reports whether s has the shape of an OCID prefix as
// the Open Contracting Partnership assigns them: "ocds-" followed by six
// lowercase letters or digits ("ocds-213czf"). Empty is accepted: the
// default prefix is used.
func CheckOCIDPrefix(s string) error {
	if s == "" {
		return nil
	}
	bad := fmt.Errorf("%q is not an OCID prefix: it is \"ocds-\" followed by six lowercase letters or digits, as registered with the Open Contracting Partnership (for example ocds-213czf)", s)
	if len(s) != len("ocds-")+6 || s[:5] != "ocds-" {
		return bad
	}
	for _, r := range s[5:] {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return bad
		}
	}
	return nil
}
