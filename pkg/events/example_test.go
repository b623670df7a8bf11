package events_test

import (
	"fmt"

	"github.com/drivemon/drivemon/pkg/events"
)

// A path inside a bot package gives its kind, its key and the subject its
// changes travel on.
func ExampleClassify() {
	for _, p := range []string{"harbor.gbdialog/start.bas", "harbor.gbkb/faq/hours.md", "harbor.gbot/config.csv"} {
		cl := events.Classify(p)
		fmt.Println(p, cl.Kind, "kb="+cl.KB)
	}
	// Output:
	// harbor.gbdialog/start.bas dialog kb=
	// harbor.gbkb/faq/hours.md kb kb=faq
	// harbor.gbot/config.csv config kb=
}

func ExampleCleanPath() {
	for _, p := range []string{"harbor.gbkb/faq/a.md", "harbor.gbkb/../secret", "/etc/passwd"} {
		clean, err := events.CleanPath(p)
		fmt.Printf("%q %v\n", clean, err != nil)
	}
	// Output:
	// "harbor.gbkb/faq/a.md" false
	// "" true
	// "" true
}

// The subjects of a change and of the outcomes it leads to.
func ExampleChangeSubject() {
	c := events.NewChange("harbor", events.OpUpdated, "harbor.gbot/config.csv")
	fmt.Println(events.ChangeSubject(&c) == "drive.harbor.config."+events.PathToken(c.Path))
	fmt.Println(events.FilterKind(events.KindKB))
	fmt.Println(events.OutcomeSubject("compiler", c.Bot))
	// Output:
	// true
	// drive.*.kb.>
	// outcome.compiler.harbor
}
