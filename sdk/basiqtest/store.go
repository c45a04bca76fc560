package basiqtest

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// store is the server's state. Lock order: store.mu before any job shard.
type store struct {
	mu     sync.RWMutex
	rng    *rand.Rand
	users  map[string]*user
	conns  map[string]*connection
	shards []jobShard
}

type user struct {
	id, email, mobile, firstName, lastName string
	conns                                  []string // connection ids, creation order
	jobs                                   []string // job ids, creation order
	deleted                                bool
	consents                               []*consent // creation order
	authLink                               *authLink  // the newest auth link, nil when none
}

type connection struct {
	id, userID, institution string
	loginID, password       string
	created                 time.Time
	jobs                    []string // job ids, creation order
	accounts                []*account
	txs                     []*transaction // generated on first read
	txOnce                  sync.Once
	deleted                 bool
	method                  string    // 3.0: web, openbanking, pdf or csv; "" for a 2.x credentials create
	consentID               string    // the consent it was made or re-authorised under (3.0)
	consentEnded            bool      // its consent was revoked or expired: invalid until re-authorised
	reported                string    // the status its events last reported
	purgedAt                time.Time // data kept before this instant is gone (purge)
}

type jobShard struct {
	mu   sync.RWMutex
	jobs map[string]*job
}

func newStore(cfg config) *store {
	st := &store{
		rng:    rand.New(rand.NewPCG(uint64(cfg.seed), 0x62617369)),
		users:  make(map[string]*user),
		conns:  make(map[string]*connection),
		shards: make([]jobShard, cfg.jobShards),
	}
	for i := range st.shards {
		st.shards[i].jobs = make(map[string]*job)
	}
	return st
}

// newID returns a UUID-shaped id from the seeded generator. Call with mu held.
func (st *store) newID() string {
	a, b := st.rng.Uint64(), st.rng.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", uint32(a>>32), uint16(a>>16), uint16(a)&0xfff, uint16(b>>48)&0xfff, b&0xffffffffffff)
}

func (st *store) shard(id string) *jobShard {
	return &st.shards[fnv32(id)%uint32(len(st.shards))]
}

func (st *store) job(id string) (*job, bool) {
	sh := st.shard(id)
	sh.mu.RLock()
	j, ok := sh.jobs[id]
	sh.mu.RUnlock()
	return j, ok
}

func (st *store) putJob(j *job) {
	sh := st.shard(j.id)
	sh.mu.Lock()
	sh.jobs[j.id] = j
	sh.mu.Unlock()
}

// liveUser returns a user that exists and is not deleted. Call with mu held.
func (st *store) liveUser(id string) (*user, *apiError) {
	u, ok := st.users[id]
	if !ok || u.deleted {
		return nil, errNotFound("user")
	}
	return u, nil
}

// userConn returns a live connection of a live user. Call with mu held.
func (st *store) userConn(uid, cid string) (*connection, *apiError) {
	if _, err := st.liveUser(uid); err != nil {
		return nil, err
	}
	c, ok := st.conns[cid]
	if !ok || c.deleted || c.userID != uid {
		return nil, errNotFound("connection")
	}
	return c, nil
}

// fnv32 is FNV-1a over s, without allocating.
func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}
