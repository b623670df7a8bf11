package reliability

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/indexer"
)

// A JetStream cluster in this process: three nats-server instances with
// routes to each other on loopback ports, each with a store folder of its
// own, so one can be stopped and started again as the same server.

// clusterNode is one server of the cluster.
type clusterNode struct {
	name string
	opts *server.Options
	mu   sync.Mutex
	srv  *server.Server
}

// jsCluster is the cluster.
type jsCluster struct {
	t     *testing.T
	nodes []*clusterNode
}

// port is a free loopback port (freePort's, as a number).
func port(t *testing.T) int {
	t.Helper()
	p, err := strconv.Atoi(freePort(t))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startCluster starts n clustered servers and waits until JetStream
// answers through them.
func startCluster(t *testing.T, n int) *jsCluster {
	t.Helper()
	c := &jsCluster{t: t}
	routes := make([]string, n)
	clients, cports := make([]int, n), make([]int, n)
	for i := range n {
		clients[i], cports[i] = port(t), port(t)
		routes[i] = fmt.Sprintf("nats-route://127.0.0.1:%d", cports[i])
	}
	for i := range n {
		name := fmt.Sprintf("n%d", i+1)
		c.nodes = append(c.nodes, &clusterNode{name: name, opts: &server.Options{
			ServerName: name, Host: "127.0.0.1", Port: clients[i],
			JetStream: true, StoreDir: filepath.Join(t.TempDir(), name), JetStreamMaxMemory: 256 << 20,
			MaxPayload: 8 << 20, NoSigs: true, NoLog: true,
			Cluster: server.ClusterOpts{Name: "drivemon-test", Host: "127.0.0.1", Port: cports[i]},
			Routes:  server.RoutesFromStr(strings.Join(routes, ",")),
		}})
	}
	for _, nd := range c.nodes {
		c.start(nd)
	}
	t.Cleanup(func() {
		for _, nd := range c.nodes {
			c.stop(nd)
		}
	})
	c.waitJetStream(60 * time.Second)
	return c
}

// start starts the node's server (again), on its ports and store.
func (c *jsCluster) start(nd *clusterNode) {
	c.t.Helper()
	srv, err := server.NewServer(nd.opts)
	if err != nil {
		c.t.Fatalf("nats server %s: %v", nd.name, err)
	}
	srv.Start()
	if !srv.ReadyForConnections(90 * time.Second) {
		c.t.Fatalf("nats server %s not ready within 90 s", nd.name)
	}
	nd.mu.Lock()
	nd.srv = srv
	nd.mu.Unlock()
}

// stop shuts the node's server down (its store stays).
func (c *jsCluster) stop(nd *clusterNode) {
	nd.mu.Lock()
	srv := nd.srv
	nd.srv = nil
	nd.mu.Unlock()
	if srv != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
	}
}

// urls is every server's client URL, for nats.Connect.
func (c *jsCluster) urls() string {
	var u []string
	for _, nd := range c.nodes {
		u = append(u, fmt.Sprintf("nats://127.0.0.1:%d", nd.opts.Port))
	}
	return strings.Join(u, ",")
}

// node returns the node of a server name.
func (c *jsCluster) node(name string) *clusterNode {
	for _, nd := range c.nodes {
		if nd.name == name {
			return nd
		}
	}
	c.t.Fatalf("no cluster node %q", name)
	return nil
}

// waitJetStream waits until the cluster's JetStream answers (a meta
// leader was elected).
func (c *jsCluster) waitJetStream(limit time.Duration) {
	c.t.Helper()
	nc, err := nats.Connect(c.urls())
	if err != nil {
		c.t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		c.t.Fatal(err)
	}
	waitFor(c.t, "the cluster's JetStream", limit, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := js.AccountInfo(ctx)
		return err == nil, fmt.Sprint(err)
	})
}

// streamLeader is the server leading a stream's replicas.
func streamLeader(ctx context.Context, js jetstream.JetStream, stream string) (string, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return "", err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return "", err
	}
	if info.Cluster == nil || info.Cluster.Leader == "" {
		return "", fmt.Errorf("stream %s has no leader", stream)
	}
	return info.Cluster.Leader, nil
}

// streamReplicas lists every stream of the server with its replicas.
func streamReplicas(ctx context.Context, js jetstream.JetStream) (map[string]int, error) {
	out := map[string]int{}
	l := js.ListStreams(ctx)
	for info := range l.Info() {
		out[info.Config.Name] = info.Config.Replicas
	}
	return out, l.Err()
}

// TestIntegrationClusterLeaderLoss: the stack on a three-node JetStream
// cluster, every stream and KV bucket with 3 replicas. In the middle of a
// 2 000-PUT burst (1 000 files written, then all rewritten) the server
// leading the DRIVE stream is stopped; it comes back 10 s later. Every
// change is processed exactly once in effect: the state converges on the
// folder, no change is stored twice in DRIVE, nothing is parked on DEAD.
func TestIntegrationClusterLeaderLoss(t *testing.T) {
	cl := startCluster(t, 3)
	r := newRig(t, rigOptions{dir: true, natsURLs: cl.urls(), replicas: 3})
	// The indexer's buckets and the settings first: two replicas creating them at once, each
	// a new 3-replica group, can take longer than a JetStream request's 5 s
	// on a loaded machine, and the indexer gives up at its start then (in
	// compose, its restart policy starts it again).
	for _, kv := range []jetstream.KeyValueConfig{
		{Bucket: indexer.BucketDocs, Description: "indexer: per-document state", History: 1},
		{Bucket: indexer.BucketLeases, Description: "indexer: per-document leases", History: 1, TTL: indexer.DefaultLeaseTTL},
	} {
		waitFor(t, "KV bucket "+kv.Bucket, time.Minute, func() (bool, string) {
			ctx, cancel := context.WithTimeout(r.ctx, 20*time.Second)
			defer cancel()
			_, err := bus.EnsureKeyValue(ctx, r.js, kv)
			return err == nil, fmt.Sprint(err)
		})
	}
	waitFor(t, "KV bucket "+bus.SettingsBucket, time.Minute, func() (bool, string) {
		ctx, cancel := context.WithTimeout(r.ctx, 20*time.Second)
		defer cancel()
		_, err := bus.EnsureSettings(ctx, r.js)
		return err == nil, fmt.Sprint(err)
	})
	r.stack(2, 2)
	n := sized(1000, 1000) // 2 000 PUTs: the scenario's size at both scales

	// The leader is stopped between the two halves of the burst: the first
	// half's changes still on their way, the second half written during
	// the failover.
	mid := make(chan time.Duration, 1)
	burstDone := make(chan time.Duration, 1)
	go func() {
		first := r.putAll(mixedPackage(r.bot, n, 1), 16)
		mid <- first
		second := r.putAll(mixedPackage(r.bot, n, 2), 16)
		burstDone <- first + second
	}()
	select {
	case <-mid:
	case <-time.After(3 * time.Minute):
		t.Fatal("the burst's first half not written within 3 min")
	}
	ctx, cancel := context.WithTimeout(r.ctx, 30*time.Second)
	defer cancel()
	leader, err := streamLeader(ctx, r.js, events.StreamDrive)
	if err != nil {
		t.Fatal(err)
	}
	atStop := r.changes.len()
	stopped := time.Now()
	cl.stop(cl.node(leader))
	var newLeader string
	waitFor(t, "a new DRIVE leader", time.Minute, func() (bool, string) {
		ctx, cancel := context.WithTimeout(r.ctx, 2*time.Second)
		defer cancel()
		l, err := streamLeader(ctx, r.js, events.StreamDrive)
		newLeader = l
		return err == nil && l != leader, fmt.Sprintf("leader %q, %v", l, err)
	})
	failover := time.Since(stopped)
	const down = 10 * time.Second
	time.Sleep(time.Until(stopped.Add(down)))
	cl.start(cl.node(leader))
	restarted := time.Now()

	puts := <-burstDone
	c := r.converge(time.Duration(sized(4, 3)) * time.Minute)
	settle := r.settled(3*time.Minute, bus.ConsumerCompiler, bus.ConsumerIndexer)

	// Exactly once in effect: the check above, plus no change stored twice
	// and nothing given up on.
	ids := map[string]int{}
	for _, ch := range r.changes.all() {
		ids[ch.ID]++
	}
	var twice []string
	for id, k := range ids {
		if k > 1 {
			twice = append(twice, fmt.Sprintf("%s ×%d", id, k))
		}
	}
	if len(twice) > 0 {
		slices.Sort(twice)
		t.Errorf("%d changes stored more than once in DRIVE: %v", len(twice), twice[:min(len(twice), 10)])
	}
	if dead := r.dead.all(); len(dead) > 0 {
		t.Errorf("%d messages parked on DEAD, first %+v", len(dead), dead[0])
	}
	lctx, lcancel := context.WithTimeout(r.ctx, 30*time.Second)
	defer lcancel()
	reps, err := streamReplicas(lctx, r.js)
	if err != nil {
		t.Fatal(err)
	}
	for name, k := range reps {
		if k != 3 {
			t.Errorf("stream %s has %d replicas, want 3", name, k)
		}
	}
	for _, want := range []string{events.StreamDrive, events.StreamOutcomes, events.StreamDead} {
		if _, ok := reps[want]; !ok {
			t.Errorf("no stream %s among %v", want, reps)
		}
	}
	r.report(t, "cluster-leader-loss", c, map[string]any{"puts": 2 * n, "put_s": puts.Round(10 * time.Millisecond),
		"changes_at_stop": atStop, "stopped": leader, "new_leader": newLeader, "failover": failover.Round(10 * time.Millisecond),
		"down": down, "restart_to_converged": time.Since(restarted).Round(10 * time.Millisecond),
		"settle": settle.Round(10 * time.Millisecond), "streams_r3": len(reps)})
}

// TestComposeClusterConfig: deploy/compose/nats-cluster.conf, the config
// of cluster.yml's three servers, is one nats-server accepts, with
// JetStream, the cluster and a route to each of the three.
func TestComposeClusterConfig(t *testing.T) {
	t.Setenv("NATS_SERVER_NAME", "nats-2")
	opts, err := server.ProcessConfigFile(filepath.Join(testinfra.RepoRoot(t), "deploy", "compose", "nats-cluster.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if opts.ServerName != "nats-2" || !opts.JetStream || opts.Cluster.Name != "drivemon" || opts.Cluster.Port != 6222 {
		t.Errorf("server %q, JetStream %v, cluster %q on %d; want nats-2, true, drivemon on 6222",
			opts.ServerName, opts.JetStream, opts.Cluster.Name, opts.Cluster.Port)
	}
	var hosts []string
	for _, u := range opts.Routes {
		hosts = append(hosts, u.Host)
	}
	if want := []string{"nats:6222", "nats-2:6222", "nats-3:6222"}; !slices.Equal(hosts, want) {
		t.Errorf("routes %v, want %v", hosts, want)
	}
	if opts.MaxPayload != 8<<20 {
		t.Errorf("max_payload %d, want 8 MiB", opts.MaxPayload)
	}
}
