package sdk_test

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
)

// webhookMessage is Basiq's documented webhook body.
const webhookMessage = `{"eventTypeId":"user.created","eventId":"44a85f64","links":{
 "event":"https://au-api.basiq.io/events/44a85f64","eventEntity":"https://au-api.basiq.io/users/88a85f64"}}`

// eventResource is Basiq's GET /events/{id} example, shortened.
const eventResource = `{"type":"event","id":"5a47115a","createdDate":"2024-04-17T23:57:17Z","entity":"connection",
 "eventType":"updated","userId":"84e33255","dataRef":"https://au-api.basiq.io/users/84e33255/connections/8bd4f752",
 "data":{"id":"8bd4f752","status":"active","type":"connection"},"links":{"self":"https://au-api.basiq.io/events/5a47115a"}}`

func TestDecodeEvent(t *testing.T) {
	tests := []struct {
		name, body string
		want       sdk.Event
		known      bool
		conn       string
	}{
		{"webhook message", webhookMessage, sdk.Event{ID: "44a85f64", Type: sdk.EventUserCreated, UserID: "88a85f64",
			Links: sdk.EventLinks{Event: "https://au-api.basiq.io/events/44a85f64", EventEntity: "https://au-api.basiq.io/users/88a85f64"}}, true, ""},
		{"event resource", eventResource, sdk.Event{ID: "5a47115a", Type: "connection.updated", Entity: "connection", UserID: "84e33255",
			Created: time.Date(2024, 4, 17, 23, 57, 17, 0, time.UTC), Data: json.RawMessage(`{"id":"8bd4f752","status":"active","type":"connection"}`),
			Links: sdk.EventLinks{Self: "https://au-api.basiq.io/events/5a47115a", EventEntity: "https://au-api.basiq.io/users/84e33255/connections/8bd4f752"}}, false, "8bd4f752"},
		{"transactions of a connection", `{"eventTypeId":"transactions.updated","eventId":"e-5","links":{"eventEntity":
		 "https://au-api.basiq.io/users/u-1/transactions?filter=connection.id.eq%28%27c-7%27%29"}}`, sdk.Event{ID: "e-5", Type: sdk.EventTransactionsUpdated,
			UserID: "u-1", Links: sdk.EventLinks{EventEntity: "https://au-api.basiq.io/users/u-1/transactions?filter=connection.id.eq%28%27c-7%27%29"}}, true, "c-7"},
		{"unknown type", `{"eventTypeId":"payment.settled","eventId":"e-9"}`, sdk.Event{ID: "e-9", Type: "payment.settled"}, false, ""},
		{"links as an array", `{"id":"e-1","entity":"consent","eventType":"revoked","links":[{"self":"x"}],"data":"[{}]"}`,
			sdk.Event{ID: "e-1", Type: sdk.EventConsentRevoked, Entity: "consent", Data: json.RawMessage(`"[{}]"`)}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sdk.DecodeEvent([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("got %+v, want %+v", *got, tt.want)
			}
			if got.Type.Known() != tt.known || got.ConnectionID() != tt.conn {
				t.Fatalf("got known %v, connection %q; want %v, %q", got.Type.Known(), got.ConnectionID(), tt.known, tt.conn)
			}
		})
	}
}

func TestDecodeEvent_bad(t *testing.T) {
	tests := map[string]string{
		"not json":     `{"eventTypeId":`,
		"no id":        `{"eventTypeId":"user.created"}`,
		"no type":      `{"eventId":"e-1"}`,
		"half a type":  `{"id":"e-1","entity":"user"}`,
		"bad date":     `{"eventTypeId":"user.created","eventId":"e-1","createdDate":"yesterday"}`,
		"wrong fields": `{"eventTypeId":7,"eventId":"e-1"}`,
		"array":        `[]`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			if ev, err := sdk.DecodeEvent([]byte(body)); err == nil {
				t.Fatalf("got %+v, want an error", ev)
			}
		})
	}
}

func TestEvent_ConnectionID_filter(t *testing.T) {
	tests := map[string]string{
		"filter=connection.id.eq('c-1')":                      "c-1",
		"filter=account.id.eq('a-1'),connection.id.eq('c-2')": "c-2",
		`filter=connection.id.eq('it\'s')`:                    "it's",
		"filter=subconnection.id.eq('x')":                     "",
		"filter=connection.id.eq('unterminated":               "",
		"filter=institution.id.eq('AU00000')":                 "",
		"other=connection.id.eq('c-1')":                       "",
	}
	for q, want := range tests {
		ev := sdk.Event{Links: sdk.EventLinks{EventEntity: "https://au-api.basiq.io/users/u-1/accounts?" + url.PathEscape(q)}}
		if got := ev.ConnectionID(); got != want {
			t.Errorf("%s: got %q, want %q", q, got, want)
		}
	}
}

func TestEventTypes_known(t *testing.T) {
	types := sdk.EventTypes()
	if len(types) != 15 {
		t.Fatalf("got %d types, want the 15 of API 3.0", len(types))
	}
	for _, ty := range types {
		if !ty.Known() || !strings.Contains(string(ty), ".") {
			t.Errorf("%q: got known %v, want a known entity.action", ty, ty.Known())
		}
	}
	if sdk.EventType("job.updated").Known() {
		t.Error("job.updated: got known, want unknown (Basiq has no job event)")
	}
}

// FuzzDecodeEvent: no input panics, and a decoded event survives a
// round trip through its own JSON.
func FuzzDecodeEvent(f *testing.F) {
	for _, s := range []string{webhookMessage, eventResource, `{"eventTypeId":"x.y","eventId":"1","data":null}`, `{"id":"1","entity":"a","eventType":"b","links":[]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := sdk.DecodeEvent(body)
		if err != nil {
			return
		}
		if ev.ID == "" || ev.Type == "" {
			t.Fatalf("decoded %+v without an id or a type", ev)
		}
		again, err := json.Marshal(ev)
		if err != nil {
			t.Fatalf("marshal %+v: %v", ev, err)
		}
		back, err := sdk.DecodeEvent(again)
		if err != nil {
			t.Fatalf("decode own JSON %s: %v", again, err)
		}
		if back.ID != ev.ID || back.Type != ev.Type || back.UserID != ev.UserID || !back.Created.Equal(ev.Created) ||
			back.Links != ev.Links || string(back.Data) != string(ev.Data) {
			t.Fatalf("round trip: got %+v, want %+v", back, ev)
		}
	})
}
