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
	// The 3.0 state of users and connections lives beside them, so that 2.x ones stay small.
	userX map[string]*userExtra
	connX map[string]*connExtra
	// linkUser maps an auth link id to the user it was made for, so that a Consent UI visit
	// finds its user without a look at every user.
	linkUser map[string]string
}

type user struct {
	id, email, mobile, firstName, lastName string
	conns                                  []string // connection ids, creation order
	jobs                                   []string // job ids, creation order
	deleted                                bool
}

// userExtra is the API 3.0 state of a user.
type userExtra struct {
	consents []*consent // creation order
	authLink *authLink  // the newest auth link, nil when none
}

var noUserExtra userExtra

// uget returns u's 3.0 state for reading (zero when none). Call with mu held.
func (st *store) uget(u *user) *userExtra {
	if x := st.userX[u.id]; x != nil {
		return x
	}
	return &noUserExtra
}

// uext returns u's 3.0 state for writing, making it on first use. Call with mu held for writing.
func (st *store) uext(u *user) *userExtra {
	x := st.userX[u.id]
	if x == nil {
		x = &userExtra{}
		st.userX[u.id] = x
	}
	return x
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
	reported                uint8 // the status its events last reported: pending, active or invalid
}

// Reported statuses of a connection.
const (
	reportedPending uint8 = iota
	reportedActive
	reportedInvalid
)

// connExtra is the API 3.0 state of a connection.
type connExtra struct {
	method       string    // web, openbanking, pdf or csv; "" for a 2.x credentials create
	consentID    string    // the consent it was made or re-authorised under
	consentEnded bool      // its consent was revoked or expired: invalid until re-authorised
	purgedAt     time.Time // data kept before this instant is gone (purge)
}

var noConnExtra connExtra

// cget returns c's 3.0 state for reading (zero when none). Call with mu held.
func (st *store) cget(c *connection) *connExtra {
	if x := st.connX[c.id]; x != nil {
		return x
	}
	return &noConnExtra
}

// cext returns c's 3.0 state for writing, making it on first use. Call with mu held for writing.
func (st *store) cext(c *connection) *connExtra {
	x := st.connX[c.id]
	if x == nil {
		x = &connExtra{}
		st.connX[c.id] = x
	}
	return x
}

type jobShard struct {
	mu   sync.RWMutex
	jobs map[string]*job
}

func newStore(cfg config) *store {
	st := &store{
		rng:      rand.New(rand.NewPCG(uint64(cfg.seed), 0x62617369)),
		users:    make(map[string]*user),
		conns:    make(map[string]*connection),
		userX:    make(map[string]*userExtra),
		connX:    make(map[string]*connExtra),
		linkUser: make(map[string]string),
		shards:   make([]jobShard, cfg.jobShards),
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

// linkOwner returns the live user whose newest auth link has this id, or nil. Call with mu held.
func (st *store) linkOwner(id string) *user {
	u := st.users[st.linkUser[id]]
	if u == nil || u.deleted {
		return nil
	}
	if l := st.uget(u).authLink; l == nil || l.id != id {
		return nil
	}
	return u
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
