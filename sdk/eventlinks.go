package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ConnectionID is the id of the connection the event is about, from its
// entity link: the connection's URL, or for account.updated and
// transactions.updated the user's accounts or transactions filtered by
// connection.id.eq('C'); "" for events of other resources.
func (e *Event) ConnectionID() string {
	if id := segmentAfter(e.Links.EventEntity, "connections"); id != "" {
		return id
	}
	return filterEq(e.Links.EventEntity, "connection.id")
}

// filterEq returns the value of the term field.eq('V') in link's filter
// query, undoing FilterBuilder's escapes; "" when there is none.
func filterEq(link, field string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	f, term := u.Query().Get("filter"), field+".eq('"
	i := strings.Index(f, term)
	if i < 0 || (i > 0 && f[i-1] != ',') {
		return ""
	}
	rest := f[i+len(term):]
	var v strings.Builder
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case c == '\\' && i+1 < len(rest):
			i++
			v.WriteByte(rest[i])
		case c == '\'':
			return v.String()
		default:
			v.WriteByte(c)
		}
	}
	return ""
}

// ConsentID is the id of the consent the event is about, from its entity
// link, when the link names one.
func (e *Event) ConsentID() string { return segmentAfter(e.Links.EventEntity, "consents") }

// ErrNoEventData is returned by DecodeData for an event without data: a
// webhook message carries none; read the event with c.Events.Get.
var ErrNoEventData = errors.New("sdk: event carries no data (a webhook message names it only; read it with Events.Get)")

// DecodeData decodes the entity the event carries, such as a *Connection
// for connection events or a *Consent for consent events.
func (e *Event) DecodeData(v any) error {
	if len(e.Data) == 0 {
		return ErrNoEventData
	}
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("sdk: event %s (%s): data: %w", e.ID, e.Type, err)
	}
	return nil
}
