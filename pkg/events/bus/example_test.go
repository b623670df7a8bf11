package bus_test

import (
	"context"
	"fmt"
	"os"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/natsembed"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// Publish a change and read it back from DRIVE, on an embedded JetStream
// server: the stream stores it once (its id is the Nats-Msg-Id) and Decode
// gives it back with its stream sequence.
func ExamplePublish() {
	dir, _ := os.MkdirTemp("", "bus-example")
	defer os.RemoveAll(dir)
	srv, err := natsembed.Start(natsembed.Config{Addr: "127.0.0.1:-1", StoreDir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown()
	nc, _ := nats.Connect(srv.ClientURL())
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	if err := bus.EnsureStreams(ctx, js, bus.StreamOptions{}); err != nil {
		fmt.Println(err)
		return
	}

	c := events.NewChange("harbor", events.OpCreated, "harbor.gbtheme/css/main.css")
	c.ETag, c.Size, c.Source, c.DetectedBy = "9e107d9d372bb6826bd81d3542a419d6", 20, events.SourceDir, events.DetectedByWatch
	for range 2 { // the same change seen twice is stored once
		ack, err := bus.Publish(ctx, js, &c)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("seq", ack.Sequence, "duplicate", ack.Duplicate)
	}

	cons, _ := js.OrderedConsumer(ctx, events.StreamDrive, jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.FilterKind(events.KindTheme)}})
	msg, err := cons.Next()
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := bus.Decode(msg)
	fmt.Println(got.Bot, got.Kind, got.Op, got.Path, got.Seq, err)
	// Output:
	// seq 1 duplicate false
	// seq 1 duplicate true
	// harbor theme created harbor.gbtheme/css/main.css 1 <nil>
}

// The key of a config.csv's settings in the SETTINGS bucket: the bot, then
// the path's token (the same token as in its change subjects).
func ExampleSettingsKey() {
	key := bus.SettingsKey("harbor", "harbor.gbot/config.csv")
	fmt.Println(key == "harbor."+events.PathToken("harbor.gbot/config.csv"))
	// Output:
	// true
}
