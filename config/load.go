package config

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"
)

// Decoder is implemented by field types that parse themselves (same as envconfig.Decoder).
type Decoder = envconfig.Decoder

// load fills the exported fields of spec (a pointer to a struct) from getenv,
// honouring the envconfig, default and required tags. Errors name the
// variable; values of fields tagged secret:"true" are never printed.
func load(spec any, getenv func(string) string) error {
	v := reflect.ValueOf(spec).Elem()
	t := v.Type()
	var errs []error
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("envconfig")
		if name == "" || !f.IsExported() {
			continue
		}
		raw := strings.TrimSpace(getenv(name))
		if raw == "" {
			raw = f.Tag.Get("default")
		}
		if raw == "" {
			if f.Tag.Get("required") == "true" {
				errs = append(errs, fmt.Errorf("%s: required", name))
			}
			continue
		}
		if err := set(v.Field(i), raw); err != nil {
			shown := fmt.Sprintf(" %q", raw)
			if f.Tag.Get("secret") == "true" {
				shown = ""
			}
			errs = append(errs, fmt.Errorf("%s: %v, got%s", name, err, shown))
		}
	}
	return errors.Join(errs...)
}

func set(fv reflect.Value, raw string) error {
	if d, ok := fv.Addr().Interface().(Decoder); ok {
		return d.Decode(raw)
	}
	switch fv.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return errors.New("not a duration (e.g. 250ms, 5s, 10m)")
		}
		fv.SetInt(int64(d))
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(raw)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return errors.New("not an integer")
		}
		fv.SetInt(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return errors.New("not a number")
		}
		fv.SetFloat(x)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("not a boolean (true or false)")
		}
		fv.SetBool(b)
	default:
		return fmt.Errorf("unsupported field type %s", fv.Type())
	}
	return nil
}

// Usage writes a table of every variable of spec (a pointer to a config
// struct, e.g. &config.Worker{}) with its type, default, whether it is
// required and its description.
func Usage(w io.Writer, spec any) error {
	tw := tabwriter.NewWriter(w, 1, 0, 4, ' ', 0)
	if err := envconfig.Usagef("", spec, tw, envconfig.DefaultTableFormat); err != nil {
		return err
	}
	return tw.Flush()
}

// redactURL masks the password of a Redis URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return mask(s)
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return strings.Replace(u.String(), "xxxxx", "****", 1)
		}
	}
	return u.String()
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "****"
}

// urlErr drops the URL from url.Parse errors, which would print a password.
func urlErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
