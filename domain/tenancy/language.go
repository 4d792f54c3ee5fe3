package tenancy

// Languages are the languages a client's default or a learner's choice
// may name, as lower-case ISO 639-1 codes (internal/i18n has a catalogue
// for each; its test checks the two lists agree).
func Languages() []string { return []string{"en", "de", "fr"} }
