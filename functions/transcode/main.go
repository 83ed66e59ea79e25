// Command transcode is the SQS-triggered transcoder of video answers (the
// "transcode" row of routes.Tasks); its logic lives in shared/transcode. It runs
// as a container image with ffmpeg and ffprobe (Dockerfile beside this file).
package main

import "github.com/civicq/civicq/shared/transcode"

func main() { transcode.Main() }
