package config

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Decoder is implemented by field types that parse themselves from their
// variable's text.
type Decoder interface {
	Decode(value string) error
}

// variable names one environment variable and the field it is parsed onto.
type variable struct {
	name  string
	value any // a pointer: *string, *int, *int64, *float64, *bool, *time.Duration or a Decoder
	desc  string
	flags varFlags
}

type varFlags uint8

const (
	required varFlags = 1 << iota
	secret
)

// spec is a configuration whose variables are named.
type spec interface {
	variables() []variable
}

// Variable describes one environment variable of a configuration.
type Variable struct {
	Name        string
	Type        string // what the value looks like: string, integer, duration, ...
	Default     string // the configuration's value, shown as the default; "" for a secret
	Description string
	Required    bool
	Secret      bool
}

// Variables lists the variables of cfg (*Worker or *Client) in the order of
// the usage listing, with cfg's values as their defaults: pass
// DefaultWorker() or DefaultClient() for the real defaults.
func Variables(cfg spec) []Variable {
	var out []Variable
	for _, v := range cfg.variables() {
		d := Variable{Name: v.name, Type: typeName(v.value), Default: format(v.value), Description: v.desc,
			Required: v.flags&required != 0, Secret: v.flags&secret != 0}
		if d.Secret {
			d.Default = ""
		}
		out = append(out, d)
	}
	return out
}

// Usage writes a table of every variable of cfg with its type, default (cfg's
// value), whether it is required and its description.
func Usage(w io.Writer, cfg spec) error {
	tw := tabwriter.NewWriter(w, 1, 0, 4, ' ', 0)
	fmt.Fprintln(tw, "KEY\tTYPE\tDEFAULT\tREQUIRED\tDESCRIPTION")
	for _, v := range Variables(cfg) {
		req := ""
		if v.Required {
			req = "true"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.Name, v.Type, v.Default, req, v.Description)
	}
	return tw.Flush()
}

// parse sets the field of every variable that lookupEnv finds, leaving the
// others at their defaults. A variable set to the empty string is a value
// like any other (an error for a number, a duration or a list). It returns
// one error per bad variable, and the names of those variables.
func parse(vars []variable, lookupEnv func(string) (string, bool)) (errs []error, bad map[string]bool) {
	bad = map[string]bool{}
	for _, v := range vars {
		raw, ok := lookupEnv(v.name)
		if !ok {
			continue
		}
		raw = strings.TrimSpace(raw)
		if err := set(v.value, raw); err != nil {
			shown := fmt.Sprintf(", got %q", raw)
			if v.flags&secret != 0 {
				shown = ""
			}
			errs = append(errs, fmt.Errorf("%s: %v%s", v.name, err, shown))
			bad[v.name] = true
		}
	}
	return errs, bad
}

func set(p any, raw string) error {
	switch p := p.(type) {
	case *string:
		*p = raw
	case *time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return errors.New("not a duration (e.g. 250ms, 5s, 10m)")
		}
		*p = d
	case *int:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return errors.New("not an integer")
		}
		*p = n
	case *int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return errors.New("not an integer")
		}
		*p = n
	case *float64:
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return errors.New("not a number")
		}
		*p = x
	case *bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("not a boolean (true or false)")
		}
		*p = b
	case Decoder:
		return p.Decode(raw)
	default:
		panic(fmt.Sprintf("config: variable of unsupported type %T", p))
	}
	return nil
}

// format writes the value p points to as its variable would be written.
func format(p any) string {
	switch p := p.(type) {
	case *time.Duration:
		return formatDuration(*p)
	case *float64:
		return strconv.FormatFloat(*p, 'g', -1, 64)
	case fmt.Stringer:
		return p.String()
	case *string:
		return *p
	case *int:
		return strconv.Itoa(*p)
	case *int64:
		return strconv.FormatInt(*p, 10)
	case *bool:
		return strconv.FormatBool(*p)
	}
	panic(fmt.Sprintf("config: variable of unsupported type %T", p))
}

// formatDuration drops the zero units time.Duration.String adds: 10m, not 10m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func typeName(p any) string {
	switch p.(type) {
	case *string:
		return "string"
	case *time.Duration:
		return "duration"
	case *int, *int64, *stepRetries:
		return "integer"
	case *float64:
		return "number"
	case *bool:
		return "boolean"
	case *Queues:
		return "name:priority,..."
	case *waitReplicas:
		return "auto or integer"
	case *apiTokens:
		return "token,..."
	}
	return fmt.Sprintf("%T", p)
}
