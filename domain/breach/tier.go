package breach

import "strings"

// Tier is how serious an exposure is, from what it exposed.
type Tier string

const (
	// TierPassword: a password or other credential was exposed.
	TierPassword Tier = "password"
	// TierPersonal: personal, financial or government-id data was exposed.
	TierPersonal Tier = "personal"
	// TierData: anything else (the email address, a username, an IP).
	TierData Tier = "data"
)

// Tiers are the tiers, most serious first.
var Tiers = []Tier{TierPassword, TierPersonal, TierData}

// Title is the tier's badge on the Breaches page.
func (t Tier) Title() string {
	switch t {
	case TierPassword:
		return "Password Exposed"
	case TierPersonal:
		return "Personal Info Exposed"
	default:
		return "Data Exposed"
	}
}

// Advice is the one sentence of what to do about a breach of the tier.
func (t Tier) Advice() string {
	switch t {
	case TierPassword:
		return "Change that password now, and anywhere else you used it; turn on multi-factor sign-in where you can."
	case TierPersonal:
		return "Look at what was exposed: watch your statements for payments you don't recognise and be wary of messages that quote these details."
	default:
		return "Only data like your email address leaked: note it and expect more phishing; there is nothing urgent to do."
	}
}

// Rank orders tiers, most serious first (0).
func (t Tier) Rank() int {
	switch t {
	case TierPassword:
		return 0
	case TierPersonal:
		return 1
	default:
		return 2
	}
}

// The words in public breach catalogues' data classes that decide a tier
// (matched in the lower-cased class name). docs/breaches.md lists them.
var (
	credentialWords = []string{"password", "passphrase", "credential", "auth token", "security question", "pins", "private key", "api key"}
	personalWords   = []string{
		// financial
		"credit card", "debit card", "card number", "card cvv", "bank", "payment", "financial", "income", "salary", "credit status", "iban",
		// government ids
		"social security", "ssn", "passport", "driver's licen", "drivers licen", "driving licen", "national id", "government issued", "tax", "citizenship",
		// personal
		"physical address", "home address", "postal address", "street address", "date of birth", "dates of birth", "phone number",
		"health", "medical", "biometric", "sexual", "religio", "ethnicit", "criminal",
	}
)

// TierOf derives a breach's tier from its data classes (the vocabulary of
// public breach catalogues: "Passwords", "Email addresses", "Credit
// cards", "Physical addresses", …): any password or credential class →
// TierPassword; otherwise any personal, financial or government-id class
// → TierPersonal; otherwise TierData.
func TierOf(classes []string) Tier {
	tier := TierData
	for _, c := range classes {
		c = strings.ToLower(c)
		if containsAny(c, credentialWords) {
			return TierPassword
		}
		if containsAny(c, personalWords) {
			tier = TierPersonal
		}
	}
	return tier
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
