package devidp

import "github.com/awareportal/portal/internal/seed"

// OtherTenantID is a Microsoft tenant no demo client is bound to.
const OtherTenantID = "0badc0de-5eed-4bad-8bad-c0ffee000001"

// Demo is who the picker offers, matching the seeded demo tenant: one
// identity that signs in for each provider, and one for every way a sign-in
// is refused.
func Demo() []Identity {
	yes, no := true, false
	return []Identity{
		{Key: "riley", Flavor: Microsoft, Label: "Riley Chen", Name: "Riley Chen", Email: seed.MicrosoftEmail,
			Subject: "9a3e1c52-0001-4e7b-9d11-acme00000001", TenantID: seed.AcmeTenantID, TenantName: "Acme Corporation", EmailVerified: &yes,
			Note: "Synced from Acme's Microsoft 365: signs in."},
		{Key: "avery-ms", Flavor: Microsoft, Label: "Avery Patel", Name: "Avery Patel", Email: seed.GoogleEmail,
			Subject: "9a3e1c52-0002-4e7b-9d11-acme00000002", TenantID: seed.AcmeTenantID, TenantName: "Acme Corporation", EmailVerified: &yes,
			Note: "Avery's training account comes from Google Workspace: told to use Google."},
		{Key: "sam-ms", Flavor: Microsoft, Label: "Sam Learner", Name: "Sam Learner", Email: seed.LearnerEmail,
			Subject: "9a3e1c52-0003-4e7b-9d11-acme00000003", TenantID: seed.AcmeTenantID, TenantName: "Acme Corporation", EmailVerified: &yes,
			Note: "Sam was added by hand: told to use the email link."},
		{Key: "drew", Flavor: Microsoft, Label: "Drew Newhire", Name: "Drew Newhire", Email: "drew.newhire@acme.example",
			Subject: "9a3e1c52-0004-4e7b-9d11-acme00000004", TenantID: seed.AcmeTenantID, TenantName: "Acme Corporation", EmailVerified: &yes,
			Note: "A real Acme account, but not enrolled for training."},
		{Key: "mallory", Flavor: Microsoft, Label: "Mallory (another tenant)", Name: "Riley Chen", Email: seed.MicrosoftEmail,
			Subject: "6d1f0000-0005-4e7b-9d11-0ther0000005", TenantID: OtherTenantID, TenantName: "Contoso (not Acme)",
			Note: "Claims Riley's email from a tenant Acme is not bound to: refused (nOAuth)."},
		{Key: "riley-unverified", Flavor: Microsoft, Label: "Riley Chen (unverified email)", Name: "Riley Chen", Email: seed.MicrosoftEmail,
			Subject: "9a3e1c52-0006-4e7b-9d11-acme00000006", TenantID: seed.AcmeTenantID, TenantName: "Acme Corporation", EmailVerified: &no,
			Note: "xms_edov is false: the email is not trusted."},

		{Key: "avery", Flavor: Google, Label: "Avery Patel", Name: "Avery Patel", Email: seed.GoogleEmail,
			Subject: "104857600000000000001", EmailVerified: &yes, HostedDomain: seed.AcmeGoogleDomain,
			Note: "Synced from Acme's Google Workspace: signs in."},
		{Key: "riley-google", Flavor: Google, Label: "Riley Chen", Name: "Riley Chen", Email: seed.MicrosoftEmail,
			Subject: "104857600000000000002", EmailVerified: &yes, HostedDomain: seed.AcmeGoogleDomain,
			Note: "Riley's training account comes from Microsoft 365: told to use Microsoft."},
		{Key: "avery-personal", Flavor: Google, Label: "Avery Patel (personal Google account)", Name: "Avery Patel", Email: seed.GoogleEmail,
			Subject: "104857600000000000003", EmailVerified: &yes,
			Note: "A consumer account with a work address, no hd: refused."},
		{Key: "avery-unverified", Flavor: Google, Label: "Avery Patel (unverified email)", Name: "Avery Patel", Email: seed.GoogleEmail,
			Subject: "104857600000000000004", EmailVerified: &no, HostedDomain: seed.AcmeGoogleDomain,
			Note: "email_verified is false: refused."},
		{Key: "kim", Flavor: Google, Label: "Kim Nobody", Name: "Kim Nobody", Email: "kim.nobody@gmail.com",
			Subject: "104857600000000000005", EmailVerified: &yes,
			Note: "A Google account no organisation has enrolled."},
	}
}
