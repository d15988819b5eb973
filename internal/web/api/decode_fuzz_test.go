package api

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"escudo"
	"escudo/internal/web"
)

// validIntake is a complete hotline intake, as the API scenarios send it.
const validIntake = `{"channel":"hotline","imminent_danger":true,"narrative":"Llamada: lo siguieron desde la radio comunitaria.",
	"aggressors":"dos hombres en motocicleta",
	"person":{"profile":"defender","name":"Tomás Ruiz Sántiz","federal_entity":"CHS","municipality":"Ocosingo","language":"tseltal",
	"phone":"+52 919 555 0199","contact":{"channel":"phone","safe_from":"08:00","safe_until":"20:00","never_sms":true},
	"relatives":[{"name":"Rosa Sántiz","relationship":"madre"}]}}`

var fuzzNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fuzzSeeds are bodies near the edges of what the decoder accepts.
var fuzzSeeds = []string{
	validIntake,
	`{"narrative":"Me amenazaron.","person":{"profile":"journalist","name":"Ana","federal_entity":"GRO"}}`,
	`{"imminent_danger":true,"narrative":"x","aggressors":"y","person":{"kind":"collective","profile":"both","name":"Colectivo","federal_entity":"CDMX","members":[{"name":"A","role":"vocera"}]}}`,
	`{"channel":"referral","referred_by":"CNDH","narrative":"x","person":{"profile":"defender","name":"B","federal_entity":"oax"}}`,
	`{"channel":"hotline","received_at":"2026-03-01T10:00:00-06:00","narrative":"x","person":{"profile":"defender","name":"B","federal_entity":"OAX"}}`,
	`{"narrative":"\u0000","person":{"name":"\ud800","contact":{"safe_from":"24:00"}}}`,
	`{"narrative":"a","narrative":"b"}`,
	`{"Narrative":"a"}`,
	`{"person":{"relatives":[{"name":"a"},{"name":1}]}}`,
	`{"person":{"relatives":[[[[[]]]]]}}`,
	`{"imminent_danger":1e999}`,
	`{} {}`,
	`[]`,
	`null`,
	"{\"narrative\":\"\xff\"}",
	``,
}

// fuzzRoundTrip checks what an accepted input must satisfy: it validates,
// and its re-encoding decodes to the same value and validates alike.
func fuzzRoundTrip[T any](t *testing.T, body []byte, domain func(*T) error) {
	var in T
	if err := web.DecodeStrict(body, &in); err != nil {
		if _, ok := escudo.AsValidation(err); !ok {
			t.Fatalf("decode error that is not a client error: %v", err)
		}
		return
	}
	if err := domain(&in); err != nil {
		if _, ok := escudo.AsValidation(err); !ok {
			t.Fatalf("validation error of the wrong kind: %v", err)
		}
		return
	}
	again, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("re-encode: %v", err)
	}
	var back T
	if err := web.DecodeStrict(again, &back); err != nil {
		t.Fatalf("re-encoded input refused: %v\n%s", err, again)
	}
	if !reflect.DeepEqual(normalizeNil(in), normalizeNil(back)) {
		t.Fatalf("round trip changed the input:\n%#v\n%#v", in, back)
	}
	if err := domain(&back); err != nil {
		t.Fatalf("re-encoded input no longer valid: %v", err)
	}
}

// normalizeNil compares values through JSON so that an empty list and an
// absent one, which mean the same to the API, compare equal.
func normalizeNil(v any) any {
	b, _ := json.Marshal(v)
	var m any
	_ = json.Unmarshal(b, &m)
	return m
}

func FuzzDecodeCaseRequest(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzRoundTrip(t, body, func(in *caseCreateRequest) error {
			_, _, err := in.domain(fuzzNow)
			return err
		})
	})
}

func FuzzDecodePublicRequest(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzRoundTrip(t, body, func(in *publicRequestInput) error {
			c, _, err := in.domain(fuzzNow)
			if err == nil && (c.Channel != escudo.ChannelWeb || (c.ImminentDanger != (c.Procedure == escudo.ProcedureExtraordinary))) {
				t.Fatalf("public request with channel %s, danger %v, procedure %s", c.Channel, c.ImminentDanger, c.Procedure)
			}
			return err
		})
	})
}
