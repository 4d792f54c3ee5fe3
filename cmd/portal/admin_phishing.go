package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/awareportal/portal/internal/admin"
)

// phishingImportLimit is the most a results file may hold (as the API).
const phishingImportLimit = 16 << 20

// phishingImport reads phishing-simulation results (the API's body, one
// JSON object) and records them like POST /clients/:client/phishing-results.
func phishingImport(fs *flag.FlagSet) func(*adminEnv) error {
	client := fs.String("client", "", "the client's id (required)")
	return func(e *adminEnv) error {
		if fs.NArg() != 1 {
			return errors.New("name the JSON file: portal admin phishing import --partner P --client C FILE.json")
		}
		in, err := readPhishingImport(fs.Arg(0))
		if err != nil {
			return err
		}
		res, err := e.svc.IngestPhishing(e.ctx, e.partner, *client, in, e.meta)
		if err != nil {
			return err
		}
		return e.print(res, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "%d results for %d learners: %d new, %d updated, %d unchanged (nothing stored for those).\n",
				res.Results, res.Learners, res.New, res.Updated, res.Unchanged)
		})
	}
}

func readPhishingImport(path string) (admin.PhishingImport, error) {
	var in admin.PhishingImport
	f, err := os.Open(path)
	if err != nil {
		return in, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, phishingImportLimit+1))
	if err != nil {
		return in, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > phishingImportLimit {
		return in, fmt.Errorf("%s: larger than 16 MB; split the results into several files", path)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, fmt.Errorf("%s: not phishing results (the API's body, see docs/api.md): %w", path, err)
	}
	if dec.More() {
		return in, fmt.Errorf("%s: more than one JSON value", path)
	}
	return in, nil
}
