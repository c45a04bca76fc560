package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// apiConsent is the Basiq API version of the consent flow: no bank logins
// reach Basiq, the user connects in the Consent UI.
const apiConsent = "3.0"

// apiVersions are the Basiq API versions the worker speaks.
var apiVersions = []string{"1.0", "2.0", "2.1", apiConsent}

func checkAPIVersion(v string) error {
	for _, ok := range apiVersions {
		if v == ok {
			return nil
		}
	}
	return fmt.Errorf("worker: Config.APIVersion %q: want one of %v", v, apiVersions)
}

// refuseCredentials publishes the failed result of a credentials task under
// API 3.0 and archives it: nothing is sent to Basiq, which would refuse it.
func (h *handlers) refuseCredentials(ctx context.Context, t *asynq.Task, base pollPayload) error {
	zerolog.Ctx(ctx).Warn().Str("api_version", h.apiVersion).Msg("credentials refused: API 3.0 connects through the Consent UI")
	e := &tasks.ErrorInfo{Code: tasks.CodeConsentFlowRequired, Title: "Credentials are not accepted under Basiq API 3.0",
		Detail: "BASIQ_API_VERSION is " + apiConsent + ": Basiq takes no bank logins. Send the user to the Consent UI " +
			"(sdk ConsentURL, basiqctl consent-url) and enqueue a follow (tasks.Client.FollowJobs) of the job ids it hands back; " +
			"credential flows need BASIQ_API_VERSION 1.0-2.1."}
	return h.publish(ctx, t, "", result(base.work, tasks.OutcomeFailed, e))
}

// connectorDurations are the step durations of the first connector of an
// institution Basiq has figures for (GET /connectors, API 3.0's catalogue).
func (b sdkBasiq) connectorDurations(ctx context.Context, institutionID string) (map[string]time.Duration, error) {
	list, err := b.c.Connectors.List(ctx, sdk.Filter().Eq("connector.id", institutionID))
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		if c.Stats.AverageDurationMs != nil {
			return stepDurations(*c.Stats.AverageDurationMs), nil
		}
	}
	return nil, fmt.Errorf("connectors of %s: no step durations yet", institutionID)
}
