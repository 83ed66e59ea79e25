package requeue

import "testing"

func TestQueueURL(t *testing.T) {
	aws, local := New(Options{Region: "eu-west-1"}), New(Options{Endpoint: "http://127.0.0.1:9000/"})
	for _, c := range []struct {
		c         *Client
		arn, want string
	}{
		{aws, "arn:aws:sqs:eu-west-1:123456789012:CivicQ-Uploads", "https://sqs.eu-west-1.amazonaws.com/123456789012/CivicQ-Uploads"},
		{local, "arn:aws:sqs:us-east-1:000000000000:video-uploads", "http://127.0.0.1:9000/000000000000/video-uploads"},
		{aws, "arn:aws:sns:eu-west-1:123456789012:topic", ""},
		{aws, "arn:aws:sqs:eu-west-1:123456789012", ""},
		{aws, "arn:aws:sqs:::name", ""},
		{aws, "", ""},
	} {
		got, err := c.c.queueURL(c.arn)
		if c.want == "" {
			if err == nil {
				t.Errorf("queueURL(%q) = %q, want an error", c.arn, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("queueURL(%q) = %q, %v; want %q", c.arn, got, err, c.want)
		}
	}
}
