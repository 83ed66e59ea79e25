package civicq

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// TestNag: cdk-nag's AwsSolutions pack finds no unsuppressed error. Warnings are
// printed with -v; every suppression is in nag.go with its reason.
func TestNag(t *testing.T) {
	ann := assertions.Annotations_FromStack(built.Stack)
	errs := ann.FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	for _, e := range *errs {
		t.Errorf("%s: %v", *e.Id, e.Entry.Data)
	}
	warns := ann.FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	t.Logf("cdk-nag: %d errors, %d warnings", len(*errs), len(*warns))
	for _, w := range *warns {
		t.Logf("warning %s: %v", *w.Id, w.Entry.Data)
	}
}
