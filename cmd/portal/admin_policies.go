package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/awareportal/portal/internal/admin"
)

// portal admin policy …: the same calls as the policies API (docs/policies.md).

func policyList(_ *flag.FlagSet) func(*adminEnv) error {
	return func(e *adminEnv) error {
		list, err := e.svc.PoliciesOf(e.ctx, e.partner)
		if err != nil {
			return err
		}
		return e.print(list, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "ID\tVERSION\tTITLE\tDOCUMENT\tRESIGN ON NEW VERSION")
			for _, p := range list {
				fmt.Fprintf(w, "%s\t%d\t%s\t%s %s\t%v\n", p.ID, p.Version, p.Title, p.Document.ContentType, p.Document.SHA256[:12], p.ResignOnNewVersion)
			}
		})
	}
}

func policyPublish(fs *flag.FlagSet) func(*adminEnv) error {
	var in admin.PolicyInput
	fs.StringVar(&in.ID, "id", "", "the policy's id: lowercase letters, digits, dashes (required)")
	fs.StringVar(&in.Title, "title", "", "its title (required)")
	version := fs.Int("version", 0, "the version: a whole number, never lower than the current one (required)")
	file := fs.String("file", "", "the PDF or Markdown document to upload")
	fs.StringVar(&in.Document, "document", "", "or the sha256 of an earlier upload")
	fs.BoolVar(&in.ResignOnNewVersion, "resign-on-new-version", false, "a new version asks learners who signed an older one to sign again")
	return func(e *adminEnv) error {
		if *file != "" {
			f, err := os.Open(*file)
			if err != nil {
				return err
			}
			defer f.Close()
			m, err := e.svc.UploadPolicyDocument(e.ctx, e.partner, filepath.Base(*file), f)
			if err != nil {
				return err
			}
			in.Document = m.SHA256
		}
		in.Version = []byte(strconv.Itoa(*version))
		p, err := e.svc.PublishPolicy(e.ctx, e.partner, in, e.meta)
		if err != nil {
			return err
		}
		return e.print(p, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Policy %s: %s v%d (%s, %d bytes, sha256 %s)\n", p.ID, p.Title, p.Version, p.Document.ContentType, p.Document.Size, p.Document.SHA256)
		})
	}
}

func policyAssign(fs *flag.FlagSet) func(*adminEnv) error {
	var in admin.AssignPolicyInput
	id := fs.String("id", "", "the policy's id (required)")
	client := fs.String("client", "", "the client (required)")
	learners := fs.String("learners", "", "comma-separated learner ids (default: every learner of the client)")
	fs.StringVar(&in.DueAt, "due", "", "when it is due: 2026-12-31 or an RFC 3339 time (required)")
	fs.StringVar(&in.RequestID, "request-id", "", "idempotency key: the same key assigns once")
	return func(e *adminEnv) error {
		in.LearnerIDs = list(*learners)
		out, err := e.svc.AssignPolicy(e.ctx, e.partner, *client, *id, in, e.meta.ActorID, e.meta)
		if err != nil {
			return err
		}
		return e.print(out, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Asked %d learner(s) to sign %s; %d had it already.\n", len(out.Assigned), out.PolicyID, len(out.Skipped))
		})
	}
}
