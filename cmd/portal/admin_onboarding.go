package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/awareportal/portal/internal/admin"
)

func onboardingShow(fs *flag.FlagSet) func(*adminEnv) error {
	client := fs.String("client", "", "show this client's sequence instead")
	return func(e *adminEnv) error {
		if *client != "" {
			c, err := e.svc.ClientOnboarding(e.ctx, e.partner, *client)
			if err != nil {
				return err
			}
			return e.print(c, func(w *tabwriter.Writer) {
				own := "its own sequence"
				if c.Inherit {
					own = "the partner default"
				}
				fmt.Fprintf(w, "Client %s follows %s: %s\n", c.ClientID, own, orNone(strings.Join(c.Modules, ", ")))
				fmt.Fprintf(w, "Report button: %s. Help desk: %s.\n", orNone(c.ReportButton), orNone(c.HelpDesk))
			})
		}
		o, err := e.svc.Onboarding(e.ctx, e.partner)
		if err != nil {
			return err
		}
		return e.print(o, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "ID\tKIND\tTITLE\tMEDIA")
			for _, m := range o.Modules {
				media := ""
				if m.Media != nil {
					media = m.Media.ContentType + " " + m.Media.SHA256[:12]
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", m.ID, m.Kind, m.Title, media)
			}
			fmt.Fprintf(w, "\nDefault sequence: %s\n", orNone(strings.Join(o.Default, ", ")))
		})
	}
}

func onboardingUpload(fs *flag.FlagSet) func(*adminEnv) error {
	file := fs.String("file", "", "the video or PDF (required)")
	return func(e *adminEnv) error {
		m, err := upload(e, *file)
		if err != nil {
			return err
		}
		return e.print(m, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Uploaded %s (%s, %d bytes): %s\n", filepath.Base(*file), m.ContentType, m.Size, m.SHA256)
		})
	}
}

func upload(e *adminEnv, path string) (admin.MediaJSON, error) {
	if path == "" {
		return admin.MediaJSON{}, fmt.Errorf("--file is required")
	}
	f, err := os.Open(path)
	if err != nil {
		return admin.MediaJSON{}, err
	}
	defer f.Close()
	return e.svc.UploadMedia(e.ctx, e.partner, filepath.Base(path), f)
}

func onboardingModule(fs *flag.FlagSet) func(*adminEnv) error {
	var in admin.ModuleInput
	fs.StringVar(&in.ID, "id", "", "the module's id: lowercase letters, digits, dashes (required)")
	fs.StringVar(&in.Kind, "kind", "", "welcome, report_phishing, submit_ticket, video or policy_pdf (required)")
	fs.StringVar(&in.Title, "title", "", "the card's title (default: one for the kind)")
	fs.StringVar(&in.Text, "text", "", "a paragraph of your own under the card")
	fs.StringVar(&in.Media, "media", "", "sha256 of an upload (video, policy_pdf)")
	file := fs.String("file", "", "upload this file and use it (instead of --media)")
	return func(e *adminEnv) error {
		if *file != "" {
			m, err := upload(e, *file)
			if err != nil {
				return err
			}
			in.Media = m.SHA256
		}
		m, err := e.svc.DefineModule(e.ctx, e.partner, in, e.meta)
		if err != nil {
			return err
		}
		return e.print(m, func(w *tabwriter.Writer) { fmt.Fprintf(w, "Module %s (%s): %s\n", m.ID, m.Kind, m.Title) })
	}
}

func onboardingRemove(fs *flag.FlagSet) func(*adminEnv) error {
	id := fs.String("id", "", "the module's id (required)")
	return func(e *adminEnv) error {
		if err := e.svc.RemoveModule(e.ctx, e.partner, *id, e.meta); err != nil {
			return err
		}
		return e.print(struct {
			Removed string `json:"removed"`
		}{*id}, func(w *tabwriter.Writer) { fmt.Fprintf(w, "Module %s removed.\n", *id) })
	}
}

func onboardingDefault(fs *flag.FlagSet) func(*adminEnv) error {
	modules := fs.String("modules", "", "module ids in order, comma-separated (required)")
	return func(e *adminEnv) error {
		o, err := e.svc.SetDefaultSequence(e.ctx, e.partner, admin.SequenceInput{Modules: list(*modules)}, e.meta)
		if err != nil {
			return err
		}
		return e.print(o, func(w *tabwriter.Writer) { fmt.Fprintf(w, "Default sequence: %s\n", strings.Join(o.Default, ", ")) })
	}
}

func onboardingClient(fs *flag.FlagSet) func(*adminEnv) error {
	client := fs.String("client", "", "the client's id (required)")
	inherit := fs.Bool("inherit", false, "follow the partner default")
	modules := fs.String("modules", "", "the client's own sequence: module ids in order, comma-separated")
	var button, desk optString
	fs.Var(&button, "report-button", `the report button's name in the client's mail client, e.g. "Report Message"`)
	fs.Var(&desk, "help-desk", "the client's help desk: an email address or an https:// URL")
	return func(e *adminEnv) error {
		in := admin.ClientOnboardingInput{SequenceInput: admin.SequenceInput{Inherit: *inherit, Modules: list(*modules)}, ReportButton: button.v, HelpDesk: desk.v}
		c, err := e.svc.SetClientOnboarding(e.ctx, e.partner, *client, in, e.meta)
		if err != nil {
			return err
		}
		return e.print(c, func(w *tabwriter.Writer) {
			fmt.Fprintf(w, "Client %s: %s (inherits: %t). Report button: %s. Help desk: %s.\n", c.ClientID, orNone(strings.Join(c.Modules, ", ")), c.Inherit, orNone(c.ReportButton), orNone(c.HelpDesk))
		})
	}
}

// list splits a comma-separated flag; empty is nil (not given).
func list(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}
