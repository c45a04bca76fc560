package wire

import "strconv"

// Redis layout of results. Every key of a namespace carries the hash tag
// "{ns}", so the publishing script works on Redis Cluster.

// ResultsStreamKey is the stream of all events: "{ns}:results".
func ResultsStreamKey(ns string) string { return "{" + ns + "}:results" }

// ResultsChannel is the Pub/Sub channel of live events: "{ns}:results:live".
func ResultsChannel(ns string) string { return "{" + ns + "}:results:live" }

// PublishedKey marks an event id as published: "{ns}:published:{eventID}".
func PublishedKey(ns, eventID string) string { return "{" + ns + "}:published:" + eventID }

// ResultKey holds the Result JSON of a task: "{ns}:result:{taskID}".
func ResultKey(ns, taskID string) string { return "{" + ns + "}:result:" + taskID }

// ProgressKey held the Progress JSON of a task's latest step change,
// "{ns}:progress:{taskID}", for the result's retention. Workers of this
// version write ProgressHash instead; readers still read it, for the tasks
// an earlier version followed, until it expires.
func ProgressKey(ns, taskID string) string { return "{" + ns + "}:progress:" + taskID }

// ProgressHash is the hash of the latest progress event (Event JSON) of
// each task whose Basiq job is being followed, by task id:
// "{ns}:progress". The worker removes a task's field when its job ends
// (the result then holds the steps): it costs memory only while the job
// runs, and one HSET for a whole write-back of the follower, where a key
// per task cost a SET each and stayed for the result's retention.
func ProgressHash(ns string) string { return "{" + ns + "}:progress" }

// SchedulesKey is the hash of refresh schedules by id: "{ns}:schedules".
func SchedulesKey(ns string) string { return "{" + ns + "}:schedules" }

// TaskID returns the asynq task id used for an idempotency key: type+":"+key.
func TaskID(taskType, key string) string { return taskType + ":" + key }

// ResultEventID is the dedupe id of the result of a Basiq job,
// "result:"+jobID, or "result:task:"+taskID when no job was started.
func ResultEventID(jobID, taskID string) string {
	if jobID == "" {
		return "result:task:" + taskID
	}
	return "result:" + jobID
}

// MFAEventID is the dedupe id of a job's MFA challenge: "mfa:"+jobID.
func MFAEventID(jobID string) string { return "mfa:" + jobID }

// ProgressEventID is the id of a live progress event: "progress:"+jobID+":"+polls.
func ProgressEventID(jobID string, polls int) string {
	return "progress:" + jobID + ":" + strconv.Itoa(polls)
}
